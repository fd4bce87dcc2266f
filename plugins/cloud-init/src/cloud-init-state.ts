/**
 * What cloud-init left on a guest: whether it is installed and active, which
 * instance it last ran as and from which datasource, the datasource list its
 * configuration asks for, and which network files it rendered. Read only from
 * files; nothing of the guest runs.
 */
import { hasKernelOption, type GuestView } from '@hyper2kvm/core';
import { parse } from 'yaml';

export const CLOUD_CFG = '/etc/cloud/cloud.cfg';
export const CLOUD_CFG_D = '/etc/cloud/cloud.cfg.d';
const BINARIES = ['/usr/bin/cloud-init', '/bin/cloud-init', '/usr/local/bin/cloud-init'];
/** cloud-init's own switch: present means cloud-init does nothing at boot. */
export const DISABLED_MARKER = '/etc/cloud/cloud-init.disabled';
const INSTANCE_LINK = '/var/lib/cloud/instance';
const INSTANCE_ID_FILE = '/var/lib/cloud/data/instance-id';
/** The header cloud-init writes on every network file it renders. */
const RENDERED_MARKER = /generated from information provided by the datasource|written by cloud-init|cloud-init/i;

export interface CloudInitState {
  /** Config files in the order cloud-init merges them (later keys win). */
  configFiles: string[];
  /** `datasource_list` as the merged configuration has it, when set. */
  datasourceList?: string[];
  /** The merged configuration already says `network: {config: disabled}`. */
  networkConfigDisabled: boolean;
  /** cloud-init is switched off (`cloud-init.disabled`, or `cloud-init=disabled` on the kernel command line). */
  disabled: boolean;
  /** The instance cloud-init last ran as (`/var/lib/cloud/data/instance-id`, or the instance link). */
  instanceId?: string;
  /** The datasource of that run, as cloud-init recorded it (`DataSourceEc2Local`, `DataSourceAzure`, …). */
  datasource?: string;
  /** Network configuration files cloud-init rendered. */
  renderedNetwork: string[];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Whether cloud-init is on the guest at all. */
export async function cloudInitInstalled(guest: GuestView): Promise<boolean> {
  if (!(await guest.exists(CLOUD_CFG))) return false;
  for (const binary of BINARIES) if (await guest.exists(binary)) return true;
  return false;
}

async function readConfig(guest: GuestView, path: string): Promise<Record<string, unknown>> {
  try {
    return record(parse((await guest.readText(path)) ?? '')) ?? {};
  } catch {
    return {}; // cloud-init skips a file it cannot parse too
  }
}

async function lastInstance(guest: GuestView): Promise<{ instanceId?: string; datasource?: string }> {
  const recorded = (await guest.readText(INSTANCE_ID_FILE))?.trim();
  let linked: string | undefined;
  if ((await guest.stat(INSTANCE_LINK))?.type === 'symlink') linked = (await guest.readlink(INSTANCE_LINK)).replace(/\/+$/, '').split('/').pop();
  const instanceId = recorded || linked;
  if (!instanceId) return {};
  // `datasource` in the instance folder: "DataSourceEc2Local: DataSourceEc2Local [seed=…]".
  const datasource = (await guest.readText(`/var/lib/cloud/instances/${instanceId}/datasource`))?.split(':')[0]?.trim();
  return { instanceId, ...(datasource ? { datasource } : {}) };
}

/** Reads the state; `networkFiles` are the guest's network config files (inspection found them). */
export async function readCloudInitState(guest: GuestView, networkFiles: string[], kernelCmdline: string): Promise<CloudInitState> {
  const configFiles = [CLOUD_CFG, ...(await guest.glob(`${CLOUD_CFG_D}/*.cfg`)).sort()];
  let datasourceList: string[] | undefined;
  let networkConfigDisabled = false;
  for (const path of configFiles) {
    const config = await readConfig(guest, path);
    if (Array.isArray(config.datasource_list)) datasourceList = config.datasource_list.map(String);
    const network = record(config.network);
    if (network && 'config' in network) networkConfigDisabled = network.config === 'disabled';
  }
  const renderedNetwork: string[] = [];
  for (const path of networkFiles) {
    if (/50-cloud-init/.test(path) || RENDERED_MARKER.test(((await guest.readText(path)) ?? '').split('\n').slice(0, 5).join('\n'))) renderedNetwork.push(path);
  }
  return {
    configFiles,
    ...(datasourceList ? { datasourceList } : {}),
    networkConfigDisabled,
    disabled: (await guest.exists(DISABLED_MARKER)) || hasKernelOption(kernelCmdline, 'cloud-init=disabled'),
    ...(await lastInstance(guest)),
    renderedNetwork,
  };
}
