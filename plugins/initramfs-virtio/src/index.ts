/**
 * Puts the virtio drivers into the initramfs of every bootable kernel: it
 * declares them in the guest's initramfs tool's own config and provides
 * `initramfs.rebuild`, which runs that tool inside the appliance.
 */
import { ACTION_STAGE, definePlugin, packageManifest, VIRTIO_BOOT_MODULES } from '@hyper2kvm/core';
import { posix } from 'node:path';
import { z } from 'zod';
import { initramfsProfileFor } from './initramfs-profile.js';
import { kernelSeries, newestPerSeries, selectKernels } from './kernels.js';
import { declareModules } from './modules-config.js';
import { rebuildOne } from './rebuild.js';
import { AppendNotPossible, appendModules } from './append/append-modules.js';
import { chooseInitramfsPath } from './strategy.js';

const manifest = packageManifest(import.meta.url);

/** The deferred action this plugin requests and provides. */
export const INITRAMFS_REBUILD = 'initramfs.rebuild';

const options = z
  .object({
    initramfs: z
      .object({
        /** `auto`: append on the host for tools the boot matrix proved, rebuild otherwise; `append`: wherever the image allows; `rebuild`: always the guest's own tool. */
        strategy: z.enum(['auto', 'append', 'rebuild']).default('auto'),
        /** `newest-per-series`: the kernels the boot menu can start by default (the newest build of each series); `all`: every installed kernel. */
        kernels: z.enum(['newest-per-series', 'all']).default('newest-per-series'),
      })
      .strict()
      .default({ strategy: 'auto', kernels: 'newest-per-series' }),
  })
  .strict();

/**
 * Parameters of `initramfs.rebuild`: kernel versions (absent: every kernel
 * inspection found), and those of them whose virtio modules are appended on
 * the host instead of rebuilt (`append`, with the module names to declare).
 */
const rebuildParams = z.object({
  kernels: z.array(z.string().min(1)).optional(),
  append: z.array(z.string().min(1)).optional(),
  modules: z.array(z.string().min(1)).optional(),
});

export default definePlugin({
  name: manifest.name,
  version: manifest.version,
  api: 1,
  description: 'Adds the virtio drivers to the initramfs of every kernel and rebuilds it with the guest’s own tool',
  options,
  appliesTo: (facts) => facts.os.type === 'linux' && facts.linux !== undefined,
  apply(hooks, { logger, options: settings }) {
    hooks.plan.tapPromise(manifest.name, async (p) => {
      const linux = p.facts.linux;
      if (!linux) return;
      const profile = initramfsProfileFor(linux);
      if (!profile) {
        p.report({
          rule: 'unknown-initramfs-tool',
          severity: 'error',
          message: `no known initramfs tool found in ${linux.prettyName ?? linux.distro}, so the virtio drivers cannot be added to its initramfs`,
          hint: 'install dracut or the distribution’s initramfs tool in the source VM, or add an OS profile for this release (npx nx g @hyper2kvm/generators:os-version)',
        });
        return;
      }
      if (linux.kernels.length === 0) {
        p.report({
          rule: 'no-kernel',
          severity: 'error',
          message: 'no kernel image found under /boot',
          hint: 'check that /boot is mounted in the source VM’s fstab',
        });
        return;
      }
      const selection = selectKernels(linux.kernels);
      if (selection.usable.length === 0) {
        p.report({
          rule: 'kernel-without-virtio',
          severity: 'error',
          message: `no kernel can boot from a virtio disk: ${linux.kernels.map((kernel) => kernel.version).join(', ')} ${linux.kernels.length === 1 ? 'has' : 'have'} neither a virtio_blk module nor virtio_blk built in`,
          hint: 'install a kernel with virtio drivers in the source VM before migrating',
        });
        return;
      }
      for (const kernel of selection.withoutVirtio) {
        p.report({
          rule: 'kernel-without-virtio',
          severity: 'warning',
          message: `kernel ${kernel.version} has neither a virtio_blk module nor virtio_blk built in; it will not boot on KVM and is left as it is`,
          hint: 'boot one of the other kernels, or remove this one',
        });
      }
      if (selection.modules.length > 0) {
        const config = profile.modulesConfig;
        const current = await p.guest.readText(config.path);
        await p.writeFile(config.path, declareModules(config, current, selection.modules), `load the virtio drivers from the initramfs (${profile.tool})`);
      }
      // The initramfs keeps its own copy of /etc/crypttab, which stable-device-names may rewrite: an
      // encrypted guest gets its images rebuilt even when they already carry virtio.
      const keepsCrypttab = hasEntries(await p.guest.readText('/etc/crypttab'));
      for (const kernel of selection.initramfsReady) {
        const carries = VIRTIO_BOOT_MODULES.filter((module) => kernel.virtioModules.includes(module)).join(', ');
        p.report({
          rule: 'initramfs-has-virtio',
          severity: 'info',
          message: keepsCrypttab
            ? `the initramfs of kernel ${kernel.version} (${kernel.initramfs ?? 'no image'}) already carries ${carries}, but it is rebuilt so that its copy of /etc/crypttab follows the guest's`
            : `the initramfs of kernel ${kernel.version} (${kernel.initramfs ?? 'no image'}) already carries ${carries}; it is not rebuilt`,
        });
      }
      const rebuilt = new Set([...selection.needRebuild, ...(keepsCrypttab ? selection.initramfsReady : [])]);
      let kernels = linux.kernels.filter((kernel) => rebuilt.has(kernel));
      if (settings.initramfs.kernels === 'newest-per-series') {
        const { newest, older } = newestPerSeries(kernels);
        for (const { kernel, newer } of older) {
          p.report({
            rule: 'older-kernel-left',
            severity: 'info',
            message: `kernel ${kernel.version} is left without virtio in its initramfs: ${newer.version} is a newer build of the same series (${kernelSeries(kernel.version)}), the one its boot menu starts`,
            hint: "set the initramfs-virtio option initramfs.kernels to 'all' to prepare every installed kernel",
          });
        }
        kernels = newest;
      }
      const append: string[] = [];
      for (const kernel of kernels) {
        const chosen = chooseInitramfsPath(settings.initramfs.strategy, linux.initramfsTool, kernel, keepsCrypttab);
        if (chosen.path === 'append') append.push(kernel.version);
        p.report({
          rule: chosen.path === 'append' ? 'initramfs-append' : 'initramfs-rebuild',
          severity: 'info',
          message:
            chosen.path === 'append'
              ? `kernel ${kernel.version}: the virtio modules are appended to ${kernel.initramfs} on the host (${chosen.reason}); the guest's own next rebuild includes them too`
              : `kernel ${kernel.version}: its initramfs is rebuilt with ${profile.tool} in the appliance because ${chosen.reason}`,
        });
      }
      if (kernels.length > 0) {
        const versions = kernels.map((kernel) => kernel.version);
        p.requireAction(INITRAMFS_REBUILD, append.length > 0 ? { kernels: versions, append, modules: selection.modules } : { kernels: versions });
      }
    });

    hooks.action.for(INITRAMFS_REBUILD).tapPromise(
      manifest.name,
      async ({ guest, facts, request, report, progress }) => {
        const linux = facts.linux;
        const profile = linux ? initramfsProfileFor(linux) : undefined;
        if (!linux || !profile) throw new Error('initramfs.rebuild needs a Linux guest with a known initramfs tool');
        const params = rebuildParams.parse(request.params);
        const versions = params.kernels ?? linux.kernels.map((kernel) => kernel.version);
        for (const version of versions) {
          const kernel = linux.kernels.find((candidate) => candidate.version === version) ?? { version, virtioModules: [] as string[] };
          if (params.append?.includes(version)) {
            progress({ kernel: version, message: 'appending the virtio modules on the host' });
            // The kernel's own modules only: the list is the union over every kernel.
            const modules = (params.modules ?? []).filter((module) => kernel.virtioModules.includes(module));
            try {
              const result = await appendModules(guest, kernel, modules, logger);
              report({
                rule: 'initramfs-appended',
                severity: 'info',
                message: `kernel ${version}: ${result.addedFiles.length} module files (${result.addedFiles.map((file) => posix.basename(file)).join(', ') || 'none missing'}) appended to ${result.image} (${result.compression ?? 'uncompressed'}, ${result.bytes} bytes) in ${(result.durationMs / 1000).toFixed(1)} s, without rebuilding it`,
              });
              continue;
            } catch (error) {
              if (!(error instanceof AppendNotPossible)) throw error;
              report({
                rule: 'initramfs-append-fallback',
                severity: 'warning',
                message: `kernel ${version}: the virtio modules could not be appended (${error.message}); its initramfs is rebuilt with ${profile.tool} instead`,
              });
            }
          }
          progress({ kernel: version, message: `rebuilding with ${profile.tool} in the appliance` });
          await rebuildOne(guest, profile, kernel, logger);
        }
      },
      { stage: ACTION_STAGE.initramfs },
    );
  },
});

/** True when a crypttab has at least one entry (not only comments and blank lines). */
function hasEntries(crypttab: string | null): boolean {
  return (crypttab ?? '').split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

export { dracutDropIn, appendModuleLines, addWordsToVariable, declareModules } from './modules-config.js';
export { selectKernels, hasVirtioBlock, kernelSeries, newestPerSeries, type KernelSelection } from './kernels.js';
export { initramfsProfileFor, rebuildCommand, templateValues } from './initramfs-profile.js';
export { appendModules, AppendNotPossible, type AppendResult } from './append/append-modules.js';
export { parseModulesDep, moduleClosure, type ModuleDependencies, type ModuleClosure } from './append/module-deps.js';
export { chooseInitramfsPath, APPENDABLE_TOOLS, type InitramfsStrategy, type InitramfsPath } from './strategy.js';
export { rebuildOne, lastLine, InitramfsRebuildError, PREVIOUS_IMAGE_SUFFIX, type RebuildResult } from './rebuild.js';
