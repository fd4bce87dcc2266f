/**
 * First boot on KVM for Windows guests: one batch script, run once as
 * SYSTEM before logon through HKLM\SYSTEM\Setup (CmdLine, SetupType = 2),
 * that installs the staged drivers with pnputil, the QEMU guest agent,
 * uninstalls VMware Tools quietly, puts the old static IPv4 configuration
 * on the virtio adapter, then unregisters itself.
 */
import { definePlugin, packageManifest, type PlanContext } from '@hyper2kvm/core';
import { openVirtioWin, virtioWinPath, type VirtioWinSource } from '@hyper2kvm/virtio-win';
import { z } from 'zod';
import { captureStaticInterfaces } from './network.js';
import { firstbootScript } from './script.js';

export { captureStaticInterfaces, type StaticInterface } from './network.js';
export { firstbootScript, type FirstbootScript } from './script.js';

const manifest = packageManifest(import.meta.url);

const UNINSTALL_KEYS = ['Microsoft\\Windows\\CurrentVersion\\Uninstall', 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall'];

const options = z
  .object({
    /** Windows folder of the staged drivers (windows-virtio stages them in `C:\Windows\Drivers\VirtIO`). */
    driverDir: z.string().default('C:\\Windows\\Drivers\\VirtIO'),
    /** virtio-win ISO or folder; its `guest-agent/qemu-ga-*.msi` is installed at first boot. Default: the run's virtio-win setting, then `/usr/share/virtio-win/virtio-win.iso`. */
    virtioWin: z.string().optional(),
    /** Re-apply the old static IPv4 configuration on the virtio adapter. */
    network: z.boolean().default(true),
    /** Uninstall VMware Tools at first boot. */
    uninstallVmwareTools: z.boolean().default(true),
  })
  .strict();

/** `MsiExec.exe /X{GUID}` or `/I{GUID}` → a quiet uninstall; other uninstallers only through QuietUninstallString. */
export function quietUninstall(uninstallString: string | undefined, quietString: string | undefined): string | null {
  const msi = uninstallString?.match(/msiexec(?:\.exe)?\s+\/[IX]\s*(\{[0-9A-Fa-f-]{36}\})/i);
  if (msi) return `MsiExec.exe /X${msi[1]} /qn /norestart`;
  return quietString?.trim() || null;
}

async function vmwareToolsUninstall(p: PlanContext): Promise<string[]> {
  const commands: string[] = [];
  for (const base of UNINSTALL_KEYS) {
    for (const entry of (await p.guest.registrySubkeys('SOFTWARE', base)) ?? []) {
      const text = async (name: string) => {
        const value = await p.guest.registryValue('SOFTWARE', `${base}\\${entry}`, name);
        return value && (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') ? value.data : undefined;
      };
      if (!/^VMware Tools\b/i.test((await text('DisplayName'))?.trim() ?? '')) continue;
      const command = quietUninstall(await text('UninstallString'), await text('QuietUninstallString'));
      if (command) commands.push(command);
      else
        p.report({
          rule: 'vmware-tools-no-quiet-uninstall',
          severity: 'warning',
          message: `VMware Tools (${entry}) has no quiet uninstall command; remove it by hand after the first boot.`,
        });
    }
  }
  return [...new Set(commands)];
}

/** virtio-win ships the agent for x86 only; other architectures get none. */
const GUEST_AGENT_MSI: Record<string, string> = {
  x86_64: 'qemu-ga-x86_64.msi',
  amd64: 'qemu-ga-x86_64.msi',
  i386: 'qemu-ga-i386.msi',
  i686: 'qemu-ga-i386.msi',
  x86: 'qemu-ga-i386.msi',
};

/** The guest agent installer for the guest's architecture, fetched from the virtio-win source (host path), if it has one. */
async function fetchGuestAgent(source: VirtioWinSource | null, arch: string): Promise<string | null> {
  const msi = GUEST_AGENT_MSI[arch];
  if (!source || !msi) return null;
  const wanted = `guest-agent/${msi}`;
  const relative = (await source.list()).find((path) => path.toLowerCase() === wanted);
  if (!relative) return null;
  return (await source.fetch([relative])).get(relative) ?? null;
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Windows first boot: pnputil driver install, QEMU guest agent, quiet VMware Tools removal, static IP re-applied on the virtio NIC',
  options,
  // After windows-virtio has staged the drivers.
  enforce: 'post',
  appliesTo: (facts) => facts.os.type === 'windows',
  apply(hooks, { options: config, run }) {
    let virtioWin: VirtioWinSource | null = null;
    hooks.plan.tapPromise('windows-firstboot', async (p) => {
      const windows = p.facts.windows;
      if (!windows) return;
      const programFiles = (await p.guest.resolveCaseInsensitive('/Program Files')) ?? '/Program Files';
      const guestFolder = `${programFiles}/hyper2kvm`;
      const folder = 'C:\\Program Files\\hyper2kvm';
      virtioWin ??= await openVirtioWin(virtioWinPath(config.virtioWin, run.virtioWin));
      const msiHost = await fetchGuestAgent(virtioWin, p.facts.os.arch);
      if (msiHost) p.upload(msiHost, `${guestFolder}/qemu-ga.msi`, 'QEMU guest agent, installed at first boot');
      const uninstall = config.uninstallVmwareTools && windows.vmwareToolsInstalled ? await vmwareToolsUninstall(p) : [];
      const statics = config.network ? await captureStaticInterfaces(p.guest, windows.currentControlSet) : [];
      if (statics.length > 1) {
        p.report({
          rule: 'windows-several-static-adapters',
          severity: 'warning',
          message: `${statics.length} adapters had a static IPv4 configuration (${statics.map((s) => s.guid).join(', ')}); only the first (${statics[0]?.guid}) is re-applied, on the first virtio adapter.`,
          hint: 'Configure the other adapters by hand after the first boot.',
        });
      }
      const network = statics[0];
      const script = firstbootScript({
        folder,
        driverDir: config.driverDir,
        modernPnputil: Number.parseFloat(windows.ntVersion) >= 10,
        ...(msiHost ? { guestAgentMsi: `${folder}\\qemu-ga.msi` } : {}),
        uninstall,
        ...(network ? { network } : {}),
      });
      p.mkdir(guestFolder, 'hyper2kvm first-boot folder');
      await p.writeFile(`${guestFolder}/firstboot.cmd`, script, 'first-boot script (ASCII, CRLF) run once as SYSTEM before logon');
      p.registrySet(
        'SYSTEM',
        'Setup',
        'CmdLine',
        { type: 'REG_SZ', data: `cmd.exe /c "${folder}\\firstboot.cmd"` },
        'run the first-boot script once before logon',
      );
      p.registrySet('SYSTEM', 'Setup', 'SetupType', { type: 'REG_DWORD', data: 2 }, 'run Setup CmdLine at the next boot, then show the logon screen');
      p.report({
        rule: 'windows-firstboot',
        severity: 'info',
        message: `First boot runs ${folder}\\firstboot.cmd (log: ${folder}\\firstboot.log): drivers from ${config.driverDir}${msiHost ? ', QEMU guest agent' : ''}${uninstall.length > 0 ? ', VMware Tools removal' : ''}${network ? `, static IPv4 ${network.addresses.map((a) => a.ip).join(' ')} on the virtio adapter` : ''}.`,
      });
    });

    // A file extracted from an ISO is needed until the plan is applied; the run's end releases it, whatever its outcome.
    hooks.dispose.tapPromise(manifest.name, async () => {
      await virtioWin?.dispose();
    });
  },
});
