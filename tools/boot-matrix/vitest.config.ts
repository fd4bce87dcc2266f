import { projectConfig } from '../../vitest.shared.ts';

// Each guest boots under QEMU (TCG where KVM does not work): one file at a time
// keeps the emulated boots from starving each other on a small host.
export default projectConfig({ test: { maxWorkers: 1 } });
