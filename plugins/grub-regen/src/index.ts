/**
 * Keeps the bootloader right for KVM: grub2 gets UUIDs allowed and a serial
 * console in /etc/default/grub (and BLS entries, /etc/kernel/cmdline), then
 * is regenerated with the guest's own grub-mkconfig through the deferred
 * `grub.mkconfig` action; grub1 and extlinux get the console on their kernel
 * lines. Runs after stable-device-names (an `enforce: 'pre'` plugin), so
 * `root=` is already by UUID where it is written.
 */
import { ACTION_STAGE, definePlugin, packageManifest, type LinuxFacts, type PlanContext } from '@hyper2kvm/core';
import { z } from 'zod';
import { planEfiFallbackLoader } from './efi-fallback.js';
import { bootFilesystemUuid, isStub, stubUuid } from './efi-stub.js';
import { allowLinuxUuids, GRUB_SERIAL_COMMAND, GRUB_TERMINAL, withSerialConsole } from './grub-defaults.js';
import { grubCfgForKvm } from './grub-cfg-edit.js';
import { grubProfileFor, PROGRAM_DIRS } from './grub-profile.js';
import { blsEntryWithConsoles, extlinuxWithConsoles, grub1WithConsoles, kernelCmdlineWithConsoles } from './kernel-lines.js';
import { hasProgram, regenerateGrubConfig } from './mkconfig.js';
import { findAssignment, setVariable } from './shell-variables.js';
import { cmdlineWithConsoles } from './console-args.js';

const manifest = packageManifest(import.meta.url);

/** The deferred action this plugin requests and provides. */
export const GRUB_MKCONFIG = 'grub.mkconfig';

const DEFAULTS = '/etc/default/grub';
const DEFAULTS_DROPINS = '/etc/default/grub.d/*.cfg';
const BLS_ENTRIES = '/boot/loader/entries/*.conf';
const KERNEL_CMDLINE = '/etc/kernel/cmdline';
/** Alpine regenerates extlinux.conf from this file on kernel updates. */
const UPDATE_EXTLINUX = '/etc/update-extlinux.conf';
const ESP_CONFIGS = '/boot/efi/EFI/*/grub.cfg';
const CONSOLE_REASON = 'keep a login and boot messages on the serial console under KVM';

const options = z
  .object({
    /**
     * `when-needed`: edit grub.cfg in place when it can be done exactly (a
     * grub-mkconfig-written file, no BLS), run grub-mkconfig otherwise;
     * `always`: run the guest's grub-mkconfig in the appliance.
     */
    regenerate: z.enum(['when-needed', 'always']).default('when-needed'),
  })
  .strict();

type GrubRegenOptions = z.infer<typeof options>;

/** Parameters of `grub.mkconfig`: the config to write (absent: the profile's). */
const mkconfigParams = z.object({ output: z.string().startsWith('/').optional() });

/** Plain files only: a symlinked config (/etc/grub.conf → /boot/grub/grub.conf) is edited through its target. */
async function regularFiles(p: PlanContext, paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) if ((await p.guest.stat(path))?.type === 'file') files.push(path);
  return files;
}

/** Checks each RHEL 9/Fedora ESP stub points at the file system that holds /boot/grub2. */
async function checkEfiStubs(p: PlanContext, pattern: string): Promise<void> {
  const fstab = (await p.guest.readText('/etc/fstab')) ?? '';
  const expected = bootFilesystemUuid(fstab, await p.guest.filesystems());
  for (const stub of await p.guest.glob(pattern.replace('{vendor}', '*'))) {
    const text = await p.guest.readText(stub);
    if (text === null || !isStub(text)) continue;
    const found = stubUuid(text)?.toLowerCase() ?? null;
    if (found === null) {
      p.report({
        rule: 'efi-stub-unreadable',
        severity: 'warning',
        message: `${stub} chains to another grub.cfg but names no file system UUID`,
        hint: 'check that the ESP stub finds /boot on KVM',
      });
    } else if (expected !== null && found !== expected) {
      p.report({
        rule: 'efi-stub-wrong-uuid',
        severity: 'warning',
        message: `${stub} looks for the file system ${found}, but /boot/grub2 is on ${expected}; UEFI boots will not find grub.cfg`,
        hint: `run grub2-mkconfig in the source VM, or set the stub's search --fs-uuid to ${expected}`,
      });
    }
  }
}

/** The serial command and terminal grub-mkconfig would write from the planned defaults. */
async function plannedSerial(p: PlanContext): Promise<{ command: string; terminal: string }> {
  const defaults = (await p.guest.readText(DEFAULTS)) ?? '';
  const terminal = findAssignment(defaults, 'GRUB_TERMINAL')?.value;
  return {
    command: findAssignment(defaults, 'GRUB_SERIAL_COMMAND')?.value || GRUB_SERIAL_COMMAND,
    terminal: terminal && terminal.split(/\s+/).includes('serial') ? terminal : GRUB_TERMINAL,
  };
}

async function planGrub2(p: PlanContext, linux: LinuxFacts, settings: GrubRegenOptions): Promise<void> {
  const dropins = await regularFiles(p, await p.guest.glob(DEFAULTS_DROPINS));
  for (const path of [DEFAULTS, ...dropins]) {
    await p.editFile(path, allowLinuxUuids, 'with UUIDs disabled, grub-mkconfig inside the appliance writes the appliance’s disk name as root=');
  }
  if (await p.guest.exists(DEFAULTS)) await p.editFile(DEFAULTS, (text) => withSerialConsole(text, true), CONSOLE_REASON);
  else await p.writeFile(DEFAULTS, withSerialConsole('', true), CONSOLE_REASON);
  for (const path of dropins) await p.editFile(path, (text) => withSerialConsole(text, false), CONSOLE_REASON);
  await p.editFile(KERNEL_CMDLINE, kernelCmdlineWithConsoles, `${CONSOLE_REASON} (kernels installed later)`);
  for (const entry of await regularFiles(p, await p.guest.glob(BLS_ENTRIES))) await p.editFile(entry, blsEntryWithConsoles, CONSOLE_REASON);

  const bootloader = grubProfileFor(linux);
  if (!bootloader) {
    p.report({
      rule: 'unknown-grub-layout',
      severity: 'warning',
      message: 'grub2 found, but not where any known release keeps grub.cfg; it was not regenerated',
      hint: 'regenerate grub.cfg in the guest after the first boot',
    });
    return;
  }
  if (bootloader.efiStub) await checkEfiStubs(p, bootloader.efiStub);
  const program = bootloader.mkconfig[0]!;
  if (!(await hasProgram(p.guest, program, PROGRAM_DIRS))) {
    p.report({
      rule: 'no-grub-mkconfig',
      severity: 'warning',
      message: `${program} is not installed in the guest, so grub.cfg was edited but not regenerated`,
      hint: `install ${program} in the source VM`,
    });
    return;
  }
  // Without an ESP stub in the release, a full grub.cfg on the ESP is the one UEFI firmware reads (RHEL 7/8).
  let output = bootloader.grubConfig;
  if (!bootloader.efiStub) {
    for (const path of await p.guest.glob(ESP_CONFIGS)) {
      const text = await p.guest.readText(path);
      if (text !== null && !isStub(text) && /^\s*(blscfg|linux(efi|16)?)\b/m.test(text)) output = path;
    }
  }
  if (settings.regenerate === 'when-needed' && !linux.bls) {
    const current = await p.guest.readText(output);
    const edit = current === null ? { reason: 'it does not exist' } : grubCfgForKvm(current, await plannedSerial(p));
    if ('text' in edit) {
      if (edit.text !== current) {
        await p.editFile(
          output,
          () => edit.text,
          `${CONSOLE_REASON} (grub.cfg edited as grub-mkconfig would write it; /etc/default/grub has the same for the guest's next update-grub)`,
        );
      }
      p.report({
        rule: 'grub-cfg-edited',
        severity: 'info',
        message: `${output} is edited in place instead of regenerated: its kernel lines and terminal are all grub-mkconfig would change`,
      });
      return;
    }
    p.report({ rule: 'grub-mkconfig-needed', severity: 'info', message: `${output} is regenerated with ${program} because ${edit.reason}` });
  }
  p.requireAction(GRUB_MKCONFIG, { output });
}

async function planGrub1(p: PlanContext, linux: LinuxFacts): Promise<void> {
  for (const path of await regularFiles(
    p,
    linux.bootloaderConfigs.filter((config) => !config.endsWith('device.map')),
  )) {
    await p.editFile(path, grub1WithConsoles, `${CONSOLE_REASON} (grub1 has no generator: kernel lines edited)`);
  }
}

async function planExtlinux(p: PlanContext, linux: LinuxFacts): Promise<void> {
  for (const path of await regularFiles(p, linux.bootloaderConfigs)) {
    await p.editFile(path, extlinuxWithConsoles, `${CONSOLE_REASON} (extlinux: APPEND lines edited)`);
  }
  await p.editFile(
    UPDATE_EXTLINUX,
    (text) => {
      // Only an existing setting is extended: update-extlinux has its own default otherwise.
      const current = findAssignment(text, 'default_kernel_opts');
      return current ? setVariable(text, 'default_kernel_opts', cmdlineWithConsoles(current.value), CONSOLE_REASON) : text;
    },
    `${CONSOLE_REASON} (kept when update-extlinux rewrites extlinux.conf)`,
  );
}

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Regenerates grub.cfg with the guest’s own tool, by UUID and with a serial console; edits grub1 and extlinux kernel lines',
  options,
  appliesTo: (facts) => facts.os.type === 'linux' && facts.linux !== undefined,
  apply(hooks, { logger, options: settings }) {
    hooks.plan.tapPromise(manifest.name, async (p) => {
      const linux = p.facts.linux;
      if (!linux) return;
      if (p.facts.firmware === 'uefi') await planEfiFallbackLoader(p, linux);
      switch (linux.bootloader) {
        case 'grub2':
          return planGrub2(p, linux, settings);
        case 'grub1':
          return planGrub1(p, linux);
        case 'extlinux':
          return planExtlinux(p, linux);
        default:
          p.report({
            rule: 'bootloader-not-handled',
            severity: 'info',
            message: `bootloader ${linux.bootloader}: no console or regeneration changes made`,
            hint: 'add console=ttyS0,115200n8 to its kernel command line by hand if you need a serial console',
          });
      }
    });

    hooks.action.for(GRUB_MKCONFIG).tapPromise(
      manifest.name,
      async ({ guest, facts, request }) => {
        const linux = facts.linux;
        const bootloader = linux ? grubProfileFor(linux) : undefined;
        if (!linux || !bootloader) throw new Error('grub.mkconfig needs a Linux guest with a known grub layout');
        const output = mkconfigParams.parse(request.params).output ?? bootloader.grubConfig;
        await regenerateGrubConfig(guest, bootloader, output, linux.bls ? await guest.glob(BLS_ENTRIES) : [], logger);
      },
      { stage: ACTION_STAGE.bootloader },
    );
  },
});

export { withConsoles, cmdlineWithConsoles, VGA_CONSOLE, SERIAL_CONSOLE } from './console-args.js';
export { allowLinuxUuids, withSerialConsole, GRUB_SERIAL_COMMAND, GRUB_TERMINAL } from './grub-defaults.js';
export { grub1WithConsoles, extlinuxWithConsoles, blsEntryWithConsoles } from './kernel-lines.js';
export { isStableRoot, unstableRoots } from './root-check.js';
export { isStub, stubUuid, bootFilesystemUuid } from './efi-stub.js';
export { grubProfileFor, mkconfigCommand } from './grub-profile.js';
export { grubCfgForKvm, type GrubCfgEdit } from './grub-cfg-edit.js';
export { regenerateGrubConfig, GrubRegenError, PREVIOUS_CONFIG_SUFFIX, type MkconfigResult } from './mkconfig.js';
