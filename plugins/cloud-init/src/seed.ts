/**
 * The files hyper2kvm gives cloud-init on KVM: a NoCloud seed that carries
 * the old instance id (so cloud-init sees the same instance and does not redo
 * per-instance work: SSH host keys, users, passwords), and a config drop-in
 * that limits the datasource search to that seed.
 */

/** NoCloud's seed folder on the root file system (`/var/lib/cloud/seed/nocloud/{meta-data,user-data}`). */
export const SEED_DIR = '/var/lib/cloud/seed/nocloud';
/**
 * The drop-in. cloud-init merges `/etc/cloud/cloud.cfg.d/*.cfg` in sorted
 * order and later keys win; images ship `90_dpkg.cfg`, `99-disable-network-config.cfg`,
 * `99_pve.cfg`…, so the name sorts after all of them.
 */
export const DROP_IN = '/etc/cloud/cloud.cfg.d/zz-hyper2kvm.cfg';

/** meta-data: NoCloud reads `instance-id` and `local-hostname`. */
export function metaData(instanceId: string, hostname: string | undefined): string {
  return `# Written by hyper2kvm: the instance this guest was on its old platform, so that
# cloud-init on KVM treats the first boot as the same instance.
instance-id: ${JSON.stringify(instanceId)}
${hostname ? `local-hostname: ${JSON.stringify(hostname)}\n` : ''}`;
}

/** user-data: none; the user's configuration already took effect on the old platform. */
export const USER_DATA = `#cloud-config
# Written by hyper2kvm: no new user data; what the old platform gave was applied there already.
{}
`;

/** The drop-in text. `keepNetwork`: the guest's rendered network configuration stays as it is. */
export function dropIn(options: { datasources: string[]; keepNetwork: boolean; from?: string }): string {
  const lines = [
    `# Written by hyper2kvm: this guest moved${options.from ? ` from ${options.from}` : ''} to KVM, where no metadata service answers.`,
    '# Look only at the NoCloud seed (then None), so boot never waits for a metadata service.',
    `datasource_list: [ ${options.datasources.join(', ')} ]`,
  ];
  if (options.keepNetwork)
    lines.push(
      '# The network configuration cloud-init rendered on the old platform is kept (moved to the',
      '# KVM NICs by hyper2kvm): do not render a new one.',
      'network: {config: disabled}',
    );
  return `${lines.join('\n')}\n`;
}
