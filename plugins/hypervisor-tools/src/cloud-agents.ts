/**
 * Agents of the cloud a guest came from. Off their cloud they poll a metadata
 * address or a management endpoint that never answers, forever (some hold
 * the boot while they wait). Their services are disabled; their packages stay,
 * since the agent works again if the VM goes back.
 */
import type { ToolFamily } from './tool-families.js';

export interface CloudAgent extends Omit<ToolFamily, 'uninstallers'> {
  /** Files or folders whose presence shows the agent (globs allowed). */
  markers: string[];
  /** dpkg package names of the agent. */
  packages: string[];
  /** What it does off its cloud, for the report. */
  offCloud: string;
}

export const CLOUD_AGENTS: CloudAgent[] = [
  {
    label: 'Amazon SSM Agent',
    units: ['amazon-ssm-agent.service', 'snap.amazon-ssm-agent.amazon-ssm-agent.service'],
    initScripts: ['amazon-ssm-agent'],
    markers: ['/usr/bin/amazon-ssm-agent', '/snap/amazon-ssm-agent', '/etc/amazon/ssm'],
    packages: ['amazon-ssm-agent'],
    offCloud: 'retries the EC2 metadata service and the SSM endpoint without end',
  },
  {
    label: 'Google guest environment',
    units: [
      'google-guest-agent.service',
      'google-osconfig-agent.service',
      'google-startup-scripts.service',
      'google-shutdown-scripts.service',
      'google-oslogin-cache.timer',
      'gce-workload-cert-refresh.timer',
    ],
    initScripts: [],
    markers: ['/usr/bin/google_guest_agent', '/usr/bin/google_osconfig_agent', '/usr/bin/google_metadata_script_runner'],
    packages: ['google-guest-agent', 'google-osconfig-agent', 'google-compute-engine', 'google-compute-engine-oslogin'],
    offCloud: 'waits for the GCE metadata server at boot and then retries it without end',
  },
  {
    label: 'Oracle Cloud Agent',
    units: ['oracle-cloud-agent.service', 'oracle-cloud-agent-updater.service'],
    initScripts: [],
    markers: ['/usr/bin/oracle-cloud-agent', '/var/lib/oracle-cloud-agent'],
    packages: ['oracle-cloud-agent'],
    offCloud: 'retries the OCI metadata service without end',
  },
];
