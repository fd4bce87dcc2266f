/**
 * Finding a Windows guest's boot volumes before it is mounted: the EFI
 * system partitions (by partition type, and which holds the BCD store) and
 * an MBR disk's active "System Reserved" partition. Each candidate is
 * mounted read-only at the appliance's `/` for a moment and unmounted.
 */
import type { ApplianceLogger } from './appliance-files.js';
import type { GuestfsHandle } from './ffi.js';
import { pairs } from './flat-pairs.js';

/** An EFI system partition and what it holds. */
export interface EfiSystemPartition {
  /** Device of the ESP, e.g. `/dev/sda1`. */
  device: string;
  /** Guest path on the ESP of the Windows boot manager's store (`/EFI/Microsoft/Boot/BCD`), when present. */
  windowsBcd?: string;
}

/** Guest path where {@link GuestfsAppliance.mountGuest} shows a Windows guest's EFI system partition. */
export const WINDOWS_ESP_ROOT = '/.hyper2kvm/esp';
/** Guest path where it shows a Windows guest's separate BIOS boot volume ("System Reserved"). */
export const WINDOWS_SYSTEM_RESERVED_ROOT = '/.hyper2kvm/system-reserved';

/** A Windows boot volume mounted beside the system volume. */
export interface BootVolume {
  /**
   * `esp`: the EFI system partition (UEFI: `\EFI\Microsoft\Boot\BCD`, `\EFI\BOOT\BOOTX64.EFI`);
   * `system-reserved`: the active NTFS partition of an MBR disk holding the BIOS boot manager
   * (`\bootmgr`, `\Boot\BCD`) when it is not the system volume.
   */
  kind: 'esp' | 'system-reserved';
  /** Device, e.g. `/dev/sda1`. */
  device: string;
  /** Guest path where its root appears: {@link WINDOWS_ESP_ROOT} or {@link WINDOWS_SYSTEM_RESERVED_ROOT}. */
  root: string;
}

/** GPT partition type of an EFI system partition. */
const ESP_GPT_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** MBR partition id of an EFI system partition. */
const ESP_MBR_ID = 0xef;

/** What the search needs of the appliance: its handle, its log, and case-insensitive lookups on what is mounted at `/`. */
export interface VolumeProbe {
  handle: GuestfsHandle;
  logger: ApplianceLogger | undefined;
  resolveCaseInsensitive(path: string): Promise<string | null>;
}

/**
 * The partitions holding a Windows guest's boot manager, when not the
 * system volume: the EFI system partition (the one holding the BCD store
 * if there are several) and the active NTFS partition of an MBR disk that
 * holds `\Boot\BCD` or `\bootmgr`. Looked into read-only, before mounting.
 */
export async function findWindowsBootVolumes(probe: VolumeProbe, systemDevice: string, esps: EfiSystemPartition[]): Promise<Omit<BootVolume, 'root'>[]> {
  const found: Omit<BootVolume, 'root'>[] = [];
  const esp = esps.find((candidate) => candidate.windowsBcd !== undefined) ?? esps[0];
  if (esp) found.push({ kind: 'esp', device: esp.device });
  for (const { mountpoint: device, device: type } of pairs(await probe.handle.call('guestfs_list_filesystems', []))) {
    if (type !== 'ntfs' || device === systemDevice || !(await isActiveMbrPartition(probe, device))) continue;
    const holdsBootManager = await peek(
      probe,
      device,
      async () => (await probe.resolveCaseInsensitive('/Boot/BCD')) !== null || (await probe.resolveCaseInsensitive('/bootmgr')) !== null,
    );
    if (holdsBootManager === true) {
      found.push({ kind: 'system-reserved', device });
      break;
    }
  }
  return found;
}

/**
 * Mounts `device` read-only at `/` for the time of `look`, then unmounts
 * it. Returns `null` (logged) when the device does not mount.
 */
async function peek<T>(probe: VolumeProbe, device: string, look: () => Promise<T>): Promise<T | null> {
  try {
    await probe.handle.call('guestfs_mount_ro', [device, '/'], `mount ${device} read-only`);
  } catch (error) {
    probe.logger?.info({ device, error: String(error) }, 'file system not readable');
    return null;
  }
  try {
    return await look();
  } finally {
    await probe.handle.call('guestfs_umount', ['/'], `unmount ${device}`);
  }
}

async function isActiveMbrPartition(probe: VolumeProbe, device: string): Promise<boolean> {
  try {
    const disk = await probe.handle.call('guestfs_part_to_dev', [device]);
    const partnum = await probe.handle.call('guestfs_part_to_partnum', [device]);
    if ((await probe.handle.call('guestfs_part_get_parttype', [disk])) !== 'msdos') return false;
    return await probe.handle.call('guestfs_part_get_bootable', [disk, partnum]);
  } catch (error) {
    probe.logger?.debug({ device, error: String(error) }, 'not a partition');
    return false;
  }
}

/** The EFI system partitions of the disks, and whether each holds the Windows boot manager's BCD store. */
export async function scanEfiSystemPartitions(probe: VolumeProbe): Promise<EfiSystemPartition[]> {
  const result: EfiSystemPartition[] = [];
  for (const { mountpoint: device, device: type } of pairs(await probe.handle.call('guestfs_list_filesystems', []))) {
    if (type !== 'vfat' || !(await isEsp(probe, device))) continue;
    const bcd = await peek(probe, device, () => probe.resolveCaseInsensitive('/EFI/Microsoft/Boot/BCD'));
    result.push(bcd ? { device, windowsBcd: bcd } : { device });
  }
  return result;
}

async function isEsp(probe: VolumeProbe, device: string): Promise<boolean> {
  try {
    const disk = await probe.handle.call('guestfs_part_to_dev', [device]);
    const partnum = await probe.handle.call('guestfs_part_to_partnum', [device]);
    const table = await probe.handle.call('guestfs_part_get_parttype', [disk]);
    if (table === 'gpt') return (await probe.handle.call('guestfs_part_get_gpt_type', [disk, partnum])).toUpperCase() === ESP_GPT_TYPE;
    if (table === 'msdos') return (await probe.handle.call('guestfs_part_get_mbr_id', [disk, partnum])) === ESP_MBR_ID;
  } catch (error) {
    probe.logger?.debug({ device, error: String(error) }, 'not a partition');
  }
  return false;
}
