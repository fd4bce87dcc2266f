/**
 * Every error code hyper2kvm reports, in one table: what it means and the
 * exit code the CLI gives it. Codes are stable for programs (`--json`,
 * report.json); add a row here before raising a new one, and reuse a row
 * rather than inventing a second code for the same problem.
 *
 * `@hyper2kvm/registry` is a leaf library with its own reasons
 * (`RegistryErrorCode`); they reach users as the cause of a
 * `CHANGE_FAILED` or `PLUGIN_FAILED` raised at the boundary.
 */

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  /** Process exit code: 1 failed, 2 bad usage or configuration, 3 blocked by the plan. */
  readonly exitCode: 1 | 2 | 3;
  /** What went wrong, for the reference in docs and `--json` consumers. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // Usage and configuration (exit 2)
  USAGE: { exitCode: 2, meaning: 'the command line is wrong' },
  CONFIG_INVALID: { exitCode: 2, meaning: 'the config file (or a batch file) does not validate' },

  // The plan (exit 3)
  BLOCKED: { exitCode: 3, meaning: 'the plan has error findings; nothing was written' },

  // The source the user gave
  INPUT_INVALID: { exitCode: 1, meaning: 'a source file (OVA, OVF, VMX, disk) is malformed' },
  SOURCE_UNREADABLE: { exitCode: 1, meaning: 'a source disk cannot be opened (format, lock, encryption, damage)' },
  NO_DESCRIPTOR: { exitCode: 1, meaning: 'a folder given as the source holds no .ovf or .vmx' },
  CHECKSUM_MISMATCH: { exitCode: 1, meaning: 'a file does not match the digest its manifest records' },
  SNAPSHOT_CHAIN_BROKEN: { exitCode: 1, meaning: 'a snapshot or checkpoint chain has a missing, foreign or looping link' },
  VHDX_LOG_PENDING: { exitCode: 1, meaning: 'a VHDX has a metadata log that was never applied' },
  SCRATCH_SPACE: { exitCode: 1, meaning: 'the scratch folder has no room for what must be unpacked' },

  // The guest on the disks
  NO_ROOT: { exitCode: 1, meaning: 'no operating system was found on the disks' },
  LVM_PV_MISSING: { exitCode: 1, meaning: 'a volume group has physical volumes on disks that were not given' },
  LUKS_KEY_INVALID: { exitCode: 1, meaning: 'a LUKS key or passphrase file is missing, empty or holds NUL bytes' },
  LUKS_KEY_WRONG: { exitCode: 1, meaning: 'a LUKS key does not open the volume it was given for, or names no LUKS volume' },
  ROOT_READ_ONLY: { exitCode: 1, meaning: 'the guest root file system cannot be mounted for writing (dirty journal, hibernated Windows)' },

  // Guest access (libguestfs, directory guests)
  GUESTFS: { exitCode: 1, meaning: 'the guest-access layer failed' },
  GUESTFS_CALL_FAILED: { exitCode: 1, meaning: 'a libguestfs call failed' },
  GUESTFS_CLOSED: { exitCode: 1, meaning: 'the libguestfs handle was used after it was closed' },
  GUESTFS_NO_DISK: { exitCode: 1, meaning: 'the appliance was asked to launch with no disk' },
  GUESTFS_UNKNOWN_ROOT: { exitCode: 1, meaning: 'a root that inspection did not find was asked to be mounted' },
  GUESTFS_MOUNTED: { exitCode: 1, meaning: 'a mount was asked in the wrong order or twice' },
  GUEST_PATH_INVALID: { exitCode: 1, meaning: 'a guest path is relative, has a NUL byte, leaves the guest or targets a volume root' },
  GUEST_COMMAND_INVALID: { exitCode: 1, meaning: 'a command for the guest is empty or has NUL bytes' },
  GUEST_COMMAND_UNSUPPORTED: { exitCode: 1, meaning: 'this guest cannot run commands (no appliance, or a Windows guest)' },
  REGISTRY_NO_HIVE: { exitCode: 1, meaning: 'the guest has no such registry hive' },
  REGISTRY_CLOSED: { exitCode: 1, meaning: 'the guest registry was used after it was closed' },
  REGISTRY_UNAVAILABLE: { exitCode: 1, meaning: 'the plan edits the registry but this guest has no registry writer' },

  // Repairs
  PLUGIN_FAILED: { exitCode: 1, meaning: 'a plugin threw; the message names the plugin and the hook' },
  CHANGE_FAILED: { exitCode: 1, meaning: 'a planned change could not be applied to the guest' },
  INITRAMFS_REBUILD_FAILED: { exitCode: 1, meaning: 'the guest tool rebuilding the initramfs failed' },
  GRUB_REGEN_FAILED: { exitCode: 1, meaning: 'grub-mkconfig in the guest failed or wrote an unusable grub.cfg' },

  // Output
  OVERLAY_FAILED: { exitCode: 1, meaning: 'the copy-on-write overlay over a source disk could not be created' },
  CONVERT_OPTIONS: { exitCode: 1, meaning: 'conversion options are out of range' },
  CONVERT_FAILED: { exitCode: 1, meaning: 'qemu-img could not write the output disk' },
  CONVERT_ABORTED: { exitCode: 1, meaning: 'the conversion was interrupted' },
  OUTPUT_NOT_EMPTY: { exitCode: 1, meaning: 'the output folder already holds files of another run' },

  // Verification
  NO_VERIFIER: { exitCode: 1, meaning: 'the boot verifier plugin cannot be loaded' },
  VERIFY_INPUT: { exitCode: 1, meaning: 'verify was given an output folder it cannot read' },

  // The host, and bugs
  UNEXPECTED: { exitCode: 1, meaning: 'an error hyper2kvm did not expect: a bug (rerun with --verbose and report it)' },
  SYSTEM: { exitCode: 1, meaning: 'an operating-system call failed (file missing, permission, no space); the message names the path' },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes of errors about a source file ({@link InputError}). */
export type InputErrorCode = Extract<
  ErrorCode,
  | 'INPUT_INVALID'
  | 'SOURCE_UNREADABLE'
  | 'NO_DESCRIPTOR'
  | 'CHECKSUM_MISMATCH'
  | 'SNAPSHOT_CHAIN_BROKEN'
  | 'VHDX_LOG_PENDING'
  | 'SCRATCH_SPACE'
  | 'NO_ROOT'
  | 'LVM_PV_MISSING'
  | 'LUKS_KEY_INVALID'
  | 'LUKS_KEY_WRONG'
  | 'ROOT_READ_ONLY'
>;

/** Codes of errors from the guest-access layer ({@link GuestFsError}). */
export type GuestFsErrorCode = Extract<ErrorCode, `GUESTFS${string}` | `GUEST_${string}` | `REGISTRY${string}` | 'ROOT_READ_ONLY' | 'CHANGE_FAILED'>;

/** Whether `code` is one of the table's codes (for codes read back from a file). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
