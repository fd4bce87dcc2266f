/**
 * The `hypervisor-tools.remove` action: runs uninstallers and the guest's own
 * package manager inside the appliance. A failure is reported, never thrown:
 * the plan already disabled the services, so the guest boots either way.
 */
import { fillCommand, profileFor, type ActionContext, type CommandTemplate } from '@hyper2kvm/core';
import { installedDpkgPackages } from './dpkg-status.js';
import { readRemovalParams } from './removal-params.js';
import { matchesPackagePattern } from './tool-families.js';

/**
 * Maintainer scripts expect a normal root environment: the sbin folders on
 * PATH and no questions asked (debconf would wait for an answer).
 */
const ENVIRONMENT = ['/usr/bin/env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'DEBIAN_FRONTEND=noninteractive'];

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split('\n').slice(-3).join(' ');
}

async function runInGuest(context: ActionContext, argv: CommandTemplate): Promise<string> {
  return (await context.guest.command([...ENVIRONMENT, ...argv])).stdout;
}

/** Packages that a `listPackages` command reports installed, among the candidate patterns. */
async function resolveCandidates(context: ActionContext, list: CommandTemplate, candidates: string[]): Promise<string[] | null> {
  try {
    const installed = (await runInGuest(context, list))
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    return installed.filter((name) => candidates.some((pattern) => matchesPackagePattern(name, pattern)));
  } catch (error) {
    context.logger.warn({ err: error }, 'listing installed packages failed');
    context.report({
      rule: 'hypervisor-tools-not-removed',
      severity: 'warning',
      message: `could not list the installed packages with \`${list.join(' ')}\` (${messageOf(error)}); ${candidates.join(', ')} stay installed, their services disabled`,
      hint: 'remove them with the package manager after the first boot on KVM',
    });
    return null;
  }
}

/** dpkg names that are still installed after a removal, when the guest keeps a dpkg status file. */
async function stillInstalled(context: ActionContext, names: string[]): Promise<string[]> {
  if (!(await context.guest.exists('/var/lib/dpkg/status'))) return [];
  const installed = new Set(installedDpkgPackages((await context.guest.readFile('/var/lib/dpkg/status')).toString('utf8')));
  return names.filter((name) => installed.has(name));
}

async function runUninstallers(context: ActionContext, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    const paths = pattern.includes('*') ? await context.guest.glob(pattern) : [pattern];
    for (const path of paths) {
      try {
        await runInGuest(context, [path]);
        context.report({ rule: 'hypervisor-tools-removed', severity: 'info', message: `ran the uninstaller ${path}` });
      } catch (error) {
        context.logger.warn({ err: error, path }, 'uninstaller failed');
        context.report({
          rule: 'hypervisor-tools-not-removed',
          severity: 'warning',
          message: `the uninstaller ${path} failed (${messageOf(error)}); the services stay disabled`,
          hint: `run ${path} after the first boot on KVM`,
        });
      }
    }
  }
}

/** Provides `hypervisor-tools.remove`. */
export async function removeHypervisorTools(context: ActionContext): Promise<void> {
  const params = readRemovalParams(context.request.params);
  await runUninstallers(context, params.uninstallers);
  const profile = context.facts.linux ? profileFor(context.facts.linux) : undefined;
  const names = [...params.packages];
  if (params.candidates.length > 0 && profile?.listPackages) {
    const found = await resolveCandidates(context, profile.listPackages, params.candidates);
    if (found === null) return;
    if (found.length === 0)
      context.report({
        rule: 'hypervisor-tools-removed',
        severity: 'info',
        message: `none of ${params.candidates.join(', ')} is installed as a package; nothing to remove`,
      });
    for (const name of found) if (!names.includes(name)) names.push(name);
  }
  if (names.length === 0) return;
  if (!profile?.removePackages) {
    context.report({
      rule: 'hypervisor-tools-not-removed',
      severity: 'warning',
      message: `${names.join(', ')} stay installed: no offline removal command is known for this guest; their services are disabled`,
    });
    return;
  }
  const argv = fillCommand(profile.removePackages, { packages: names });
  try {
    await runInGuest(context, argv);
  } catch (error) {
    context.logger.warn({ err: error, argv }, 'package removal failed');
    context.report({
      rule: 'hypervisor-tools-not-removed',
      severity: 'warning',
      message: `\`${argv.join(' ')}\` failed (${messageOf(error)}); ${names.join(', ')} stay installed, their services disabled`,
      hint: 'remove them with the package manager after the first boot on KVM',
    });
    return;
  }
  const left = await stillInstalled(context, names);
  const removed = names.filter((name) => !left.includes(name));
  if (removed.length > 0)
    context.report({ rule: 'hypervisor-tools-removed', severity: 'info', message: `removed ${removed.join(', ')} with \`${argv.join(' ')}\`` });
  if (left.length > 0)
    context.report({
      rule: 'hypervisor-tools-not-removed',
      severity: 'warning',
      message: `${left.join(', ')} still listed as installed after \`${argv.join(' ')}\`; their services are disabled`,
    });
}
