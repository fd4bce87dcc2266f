/**
 * The plan side: disable every hypervisor-tool service (plain file changes,
 * visible in the plan, effective even if removal fails), work out what can
 * be removed, say so in findings, and request the removal action.
 */
import { fillCommand, profileFor, type OsProfile, type PlanContext } from '@hyper2kvm/core';
import { CLOUD_AGENTS } from './cloud-agents.js';
import { installedDpkgPackages } from './dpkg-status.js';
import { REMOVE_ACTION, type RemovalParams } from './removal-params.js';
import { FAMILY_NAMES, TOOL_FAMILIES, matchesPackagePattern, type ToolFamily } from './tool-families.js';

const DPKG_STATUS = '/var/lib/dpkg/status';
const SYSTEMD_CONFIG = '/etc/systemd/system';
/** Where SysV runlevel links live (Debian/RHEL, then SUSE). */
const RC_DIRS = ['/etc/rc[0-6S].d', '/etc/init.d/rc[0-6S].d'];

export interface RemovalPlanOptions {
  /** Remove packages and run uninstallers; when false, services are only disabled. */
  removePackages: boolean;
}

/** Deletes the links that enable a family's services; returns the unit and script names disabled. */
async function disableServices(p: PlanContext, family: Omit<ToolFamily, 'uninstallers'>, why = 'fail or loop at boot on KVM'): Promise<string[]> {
  const disabled = new Set<string>();
  const reason = (name: string) => `disable ${name}: ${family.label} ${why}`;
  for (const unit of family.units) {
    const links = [...(await p.guest.glob(`${SYSTEMD_CONFIG}/*.wants/${unit}`)), ...(await p.guest.glob(`${SYSTEMD_CONFIG}/*.requires/${unit}`))];
    // An alias link (`Alias=` in [Install]) is made by enabling too; a link to /dev/null is a mask: keep it.
    const alias = `${SYSTEMD_CONFIG}/${unit}`;
    if ((await p.guest.stat(alias))?.type === 'symlink' && (await p.guest.readlink(alias)) !== '/dev/null') links.push(alias);
    for (const link of links) if (await p.deleteFile(link, reason(unit))) disabled.add(unit);
  }
  for (const script of family.initScripts) {
    for (const dir of RC_DIRS) {
      for (const link of await p.guest.glob(`${dir}/[SK][0-9][0-9]${script}`)) if (await p.deleteFile(link, reason(script))) disabled.add(script);
    }
  }
  return [...disabled];
}

async function existingUninstallers(p: PlanContext, family: ToolFamily): Promise<string[]> {
  const found: string[] = [];
  for (const pattern of family.uninstallers) {
    const paths = pattern.includes('*') ? await p.guest.glob(pattern) : [pattern];
    for (const path of paths) if ((await p.guest.stat(path))?.type === 'file') found.push(path);
  }
  return found;
}

function describeServices(disabled: string[]): string {
  return disabled.length > 0 ? `its services are disabled (${disabled.join(', ')})` : 'no enabled services of it were found';
}

/** What one family contributes to the removal request, and the finding that says so. */
function familyOutcome(
  family: ToolFamily,
  found: { packages: string[]; candidates: string[]; uninstallers: string[]; disabled: string[] },
  profile: OsProfile | undefined,
  options: RemovalPlanOptions,
): { params: RemovalParams; message: string; hint?: string } {
  const services = describeServices(found.disabled);
  const command = profile?.removePackages;
  const removable = options.removePackages && command !== undefined;
  const params: RemovalParams = {
    packages: removable ? found.packages : [],
    candidates: removable && profile?.listPackages ? found.candidates : [],
    uninstallers: options.removePackages ? found.uninstallers : [],
  };
  const parts: string[] = [];
  if (params.packages.length > 0)
    parts.push(`${params.packages.join(', ')} will be removed with \`${fillCommand(command!, { packages: params.packages }).join(' ')}\``);
  if (params.candidates.length > 0)
    parts.push(
      `whichever of ${params.candidates.join(', ')} the package manager lists inside the guest will be removed with \`${fillCommand(command!, { packages: ['…'] }).join(' ')}\``,
    );
  if (params.uninstallers.length > 0) parts.push(`its uninstaller ${params.uninstallers.join(', ')} will be run`);
  if (parts.length > 0) return { params, message: `${family.label}: ${parts.join('; ')}; ${services} either way.` };
  const why = !options.removePackages
    ? 'removal is turned off by the plugin options'
    : found.packages.length + found.candidates.length > 0
      ? 'this guest has no package manager command hyper2kvm can run offline'
      : 'no package or uninstaller of them was found';
  return {
    params,
    message: `${family.label}: left installed (${why}); ${services}.`,
    hint: 'remove them with the package manager after the first boot on KVM',
  };
}

/** Disables the services of the cloud agents found (present files, installed packages or enabled units); packages stay. */
async function disableCloudAgents(p: PlanContext, installed: string[]): Promise<void> {
  for (const agent of CLOUD_AGENTS) {
    let present = agent.packages.some((pkg) => installed.includes(pkg));
    for (const marker of agent.markers) present ||= marker.includes('*') ? (await p.guest.glob(marker)).length > 0 : await p.guest.exists(marker);
    const disabled = await disableServices(p, agent, agent.offCloud);
    if (!present && disabled.length === 0) continue;
    p.report({
      rule: 'cloud-agent',
      severity: 'info',
      message: `${agent.label}: ${describeServices(disabled)}, since off its cloud it ${agent.offCloud}; the agent stays installed and works again if the VM goes back.`,
      hint: 'remove it with the package manager once the VM stays on KVM',
    });
  }
}

/** Plans the removal of every hypervisor-tool family found on a Linux guest. */
export async function planToolRemoval(p: PlanContext, options: RemovalPlanOptions): Promise<void> {
  const linux = p.facts.linux;
  if (!linux) return;
  const profile = profileFor(linux);
  const dpkgStatus = await p.guest.readText(DPKG_STATUS);
  const dpkgInstalled = dpkgStatus === null ? null : installedDpkgPackages(dpkgStatus);
  const request: RemovalParams = { packages: [], candidates: [], uninstallers: [] };
  for (const name of FAMILY_NAMES) {
    const family = TOOL_FAMILIES[name];
    const patterns = profile?.hypervisorPackages[name] ?? [];
    const detected = linux.hypervisorTools.includes(name);
    const packages = dpkgInstalled?.filter((pkg) => patterns.some((pattern) => matchesPackagePattern(pkg, pattern))) ?? [];
    // Without readable package files, ask the package manager later, but only for tools whose files are there.
    const candidates = dpkgInstalled === null && detected ? patterns : [];
    const uninstallers = await existingUninstallers(p, family);
    const disabled = await disableServices(p, family);
    if (!detected && packages.length + uninstallers.length + disabled.length === 0) continue;
    const outcome = familyOutcome(family, { packages, candidates, uninstallers, disabled }, profile, options);
    request.packages.push(...outcome.params.packages);
    request.candidates.push(...outcome.params.candidates);
    request.uninstallers.push(...outcome.params.uninstallers);
    p.report({ rule: 'hypervisor-tools', severity: 'info', message: outcome.message, ...(outcome.hint ? { hint: outcome.hint } : {}) });
  }
  await disableCloudAgents(p, dpkgInstalled ?? []);
  if (request.packages.length + request.candidates.length + request.uninstallers.length > 0) {
    p.requireAction(REMOVE_ACTION, { ...request });
  }
}
