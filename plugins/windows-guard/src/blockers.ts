/**
 * What makes a Windows conversion unsafe (error findings) or risky
 * (warnings), read from the facts, the file systems and the registry.
 */
import { registryDword, registryString, type GuestFacts, type PlanContext } from '@hyper2kvm/core';

/** Services of security products known to block or intercept new boot drivers (lower case) → product. */
export const DRIVER_BLOCKING_SERVICES: Record<string, string> = {
  sepmasterservice: 'Symantec Endpoint Protection',
  srtsp: 'Symantec Endpoint Protection',
  symefasi: 'Symantec Endpoint Protection',
  mcshield: 'McAfee Endpoint Security',
  mfehidk: 'McAfee Endpoint Security',
  mfefire: 'McAfee Endpoint Security',
  csagent: 'CrowdStrike Falcon',
  csfalconservice: 'CrowdStrike Falcon',
  sentinelagent: 'SentinelOne',
  cbdefense: 'VMware Carbon Black',
  sophosed: 'Sophos Endpoint Defense',
  tmccsf: 'Trend Micro Apex One',
};

/** Device installation restriction policies that stop Windows from installing new drivers. */
const DEVICE_INSTALL_RESTRICTIONS = 'Policies\\Microsoft\\Windows\\DeviceInstall\\Restrictions';
const RESTRICTION_VALUES = ['DenyUnspecified', 'DenyDeviceClasses', 'DenyDeviceIDs', 'AllowDeviceClasses', 'AllowDeviceIDs'];

/** Reports the blocking states as errors and the driver blockers as warnings. */
export async function reportBlockers(p: PlanContext, facts: GuestFacts): Promise<void> {
  const windows = facts.windows;
  if (!windows) return;
  if (windows.hibernated) {
    p.report({
      rule: 'windows-hibernated',
      severity: 'error',
      message:
        'Windows is hibernated (hiberfil.sys holds a saved system): its volume is in use by a suspended kernel and changes to it would be lost or corrupt it.',
      hint: 'Boot the source VM, run `powercfg /h off` as administrator (this also turns Fast Startup off), then shut it down with `shutdown /s /t 0` and export it again.',
    });
  }
  if (windows.fastStartup) {
    p.report({
      rule: 'windows-fast-startup',
      severity: 'error',
      message: 'Fast Startup is on (HiberbootEnabled=1): a normal shutdown hibernates the kernel, so the system volume is not cleanly closed.',
      hint: 'In the source VM turn Fast Startup off (Control Panel > Power Options > "Choose what the power buttons do", or `powercfg /h off`), shut down with `shutdown /s /t 0` and export again.',
    });
  }
  const filesystems = await p.guest.filesystems();
  const bitlocker = filesystems.filter((fs) => /bitlocker/i.test(fs.type));
  if (bitlocker.length > 0) {
    p.report({
      rule: 'windows-bitlocker',
      severity: 'error',
      message: `BitLocker-encrypted volume(s): ${bitlocker.map((fs) => fs.device).join(', ')}. hyper2kvm cannot repair an encrypted system volume, and the new virtual hardware would trigger BitLocker recovery.`,
      hint: 'In the source VM decrypt the volume (`manage-bde -off C:`, wait until `manage-bde -status` shows "Fully Decrypted"), shut down and export again.',
    });
  }
  const ldm = filesystems.filter((fs) => /^\/dev\/mapper\/ldm_/.test(fs.device) || /^ldm/i.test(fs.type));
  if (ldm.length > 0) {
    p.report({
      rule: 'windows-dynamic-disk',
      severity: 'error',
      message: `Dynamic (LDM) disk volumes: ${ldm.map((fs) => fs.device).join(', ')}. The boot storage driver swap is not supported on dynamic disks.`,
      hint: 'In the source VM convert the system disk back to a basic disk (back up, then Disk Management or `diskpart convert basic`), or migrate from a basic-disk copy.',
    });
  }
  await reportDriverBlockers(p, windows.currentControlSet);
}

async function reportDriverBlockers(p: PlanContext, controlSet: string): Promise<void> {
  const services = (await p.guest.registrySubkeys('SYSTEM', `${controlSet}\\Services`)) ?? [];
  const products = new Map<string, string[]>();
  for (const service of services) {
    const product = DRIVER_BLOCKING_SERVICES[service.toLowerCase()];
    if (!product) continue;
    const start = registryDword(await p.guest.registryValue('SYSTEM', `${controlSet}\\Services\\${service}`, 'Start'));
    if (start === 4) continue;
    products.set(product, [...(products.get(product) ?? []), service]);
  }
  for (const [product, names] of products) {
    p.report({
      rule: 'windows-security-product',
      severity: 'warning',
      message: `${product} is installed (services ${names.join(', ')}); it may block the new virtio boot driver and cause INACCESSIBLE_BOOT_DEVICE.`,
      hint: `Disable or uninstall ${product} (or its driver/device control) in the source VM before export, and re-enable it after the migration.`,
    });
  }
  const set: string[] = [];
  for (const name of RESTRICTION_VALUES) {
    const value = await p.guest.registryValue('SOFTWARE', DEVICE_INSTALL_RESTRICTIONS, name);
    if (registryDword(value) === 1 || (registryString(value) ?? '') === '1') set.push(name);
  }
  if (set.length > 0) {
    p.report({
      rule: 'windows-device-install-policy',
      severity: 'warning',
      message: `Group Policy restricts device installation (${set.map((name) => `${name}=1`).join(', ')} under HKLM\\SOFTWARE\\${DEVICE_INSTALL_RESTRICTIONS}); the virtio drivers may be refused at first boot.`,
      hint: 'Lift the "Device Installation Restrictions" policies for the source VM (gpedit or the domain GPO) before export.',
    });
  }
}

/** `CrashControl\AutoReboot` = 0 in every control set, so a crash stays on screen. */
export async function disableAutoReboot(p: PlanContext, controlSets: string[]): Promise<void> {
  for (const set of controlSets) {
    const key = `${set}\\Control\\CrashControl`;
    if (registryDword(await p.guest.registryValue('SYSTEM', key, 'AutoReboot')) === 0) continue;
    p.registrySet(
      'SYSTEM',
      key,
      'AutoReboot',
      { type: 'REG_DWORD', data: 0 },
      'keep a stop error on screen instead of rebooting in a loop on the new hardware',
    );
  }
}
