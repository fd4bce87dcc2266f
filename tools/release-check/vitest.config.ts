import { projectConfig } from '../../vitest.shared.ts';

// One copy of the workspace, installed and built once, serves every test.
export default projectConfig({ test: { maxWorkers: 1 } });
