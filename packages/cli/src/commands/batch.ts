import { notYetCommand } from './not-yet.js';

export const batchCommand = notYetCommand('batch', '--config migrations.yaml [options]', 'Migrates many VMs from a batch file, in parallel, resumable.');
