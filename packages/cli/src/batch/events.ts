/** What a batch tells while it runs: the CLI draws progress from these, `--json` prints them. */
import type { BatchOutcomeStatus } from './result.js';

export type BatchEvent =
  | { type: 'batch-start'; total: number; toRun: number; skipped: number; parallel: number | null; stages: string[][]; warnings: string[]; dryRun: boolean }
  | { type: 'vm-skip'; vm: string; reason: string }
  | { type: 'vm-start'; vm: string; attempt: number }
  | {
      type: 'vm-progress';
      vm: string;
      step: string;
      percent?: number;
      message?: string;
      /** Per-disk work (the bulk copy, a disk's conversion), running beside the VM's step. */
      disk?: number;
      /** During `fix`: the deferred action, and the kernel it works on. */
      action?: string;
      kernel?: string;
    }
  | { type: 'vm-end'; vm: string; status: BatchOutcomeStatus; ms: number; os?: string; error?: string }
  | { type: 'batch-end'; counts: Record<BatchOutcomeStatus, number>; ms: number; exitCode: number };
