import { projectConfig } from '../../vitest.shared.ts';

// One file at a time: these tests take seconds, and "a missing extent file"
// failed once in CI when files ran two at a time (cause not found yet).
export default projectConfig({ test: { maxWorkers: 1 } });
