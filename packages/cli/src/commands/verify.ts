import { notYetCommand } from './not-yet.js';

export const verifyCommand = notYetCommand('verify', 'DIR [options]', 'Boots a migrated VM headless and reports whether it reached a login prompt and brought its network up.');
