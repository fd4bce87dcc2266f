/**
 * qemu's error messages say what qemu could not do; these say what is wrong
 * with the user's file and what to do about it, without ever suggesting a
 * write to the source (qemu's own advice for a VHDX log is `qemu-img check
 * -r all`, which repairs the file in place).
 */

interface Translation {
  /** Matched against the whole of qemu's stderr. */
  pattern: RegExp;
  message: string;
}

const TRANSLATIONS: Translation[] = [
  {
    pattern: /contains a log that needs to be replayed/,
    message:
      'the VHDX holds metadata log entries that were never applied (its VM was running, or was not shut down cleanly, when the file was copied); hyper2kvm never writes to a source: shut the VM down in Hyper-V and copy or export the disk again, or replay the log on a copy (cp the file, then qemu-img check -r all on the copy) and migrate the copy',
  },
  {
    pattern: /Failed to get (?:shared )?"(?:write|read|consistent read)" lock/,
    message:
      'is in use: another process (a running VM, a backup, another conversion) holds a lock on it; shut the VM down or wait for the other process, then try again',
  },
  {
    pattern: /Use of AES-CBC encrypted .* images is no longer supported|image is encrypted|encrypted images are not supported/i,
    message: 'is an encrypted image; decrypt it with the tool that encrypted it, then migrate the decrypted copy',
  },
  {
    pattern: /Unsupported VMDK version|VMDK version 3 must be read only/,
    message:
      'is a VMDK version qemu cannot read; export the VM again as an OVF/OVA (ovftool writes streamOptimized VMDKs) or convert the disk with vmware-vdiskmanager first',
  },
  {
    pattern: /Invalid footer|The VHD .* is damaged|footer checksum/i,
    message: 'is a VHD whose footer is damaged (the file was cut short or changed); copy it again from the source host',
  },
  {
    pattern: /Permission denied/,
    message: 'cannot be read: permission denied (run as a user that can read the file)',
  },
];

/** What a qemu failure means for the user's file, when known; `undefined` leaves qemu's own reason. */
export function translateQemuError(stderr: string): string | undefined {
  return TRANSLATIONS.find((translation) => translation.pattern.test(stderr))?.message;
}
