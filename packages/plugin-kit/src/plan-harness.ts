/**
 * A harness that runs plugins' `inspect` and `plan` against a guest tree and
 * returns the plan, in the spirit of ESLint's RuleTester: give it a guest,
 * assert on the bytes the plan would write.
 */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CORE_VERSION,
  Engine,
  inspectGuestFacts,
  pluginsInCode,
  renderPlan,
  type PluginInCode,
  type GuestFacts,
  type GuestFilesystem,
  type OsHints,
  type Plan,
  type RegistryReader,
  type VmDescription,
  type RunSettings,
} from '@hyper2kvm/core';
import { DirectoryGuest } from '@hyper2kvm/guestfs';

/** A guest described inline: path → file content, or `{ symlink }`. */
export type GuestTree = Record<string, string | Buffer | { symlink: string }>;

export interface PlanHarnessOptions {
  /** Plugins to run, in config order, with their options (validated by each plugin's schema). */
  plugins: readonly PluginInCode[];
  /** A guest root folder on the host, or a tree written to a temporary folder. */
  guest: string | GuestTree;
  /** File systems the guest reports (UUIDs for device-name rewrites). */
  filesystems?: GuestFilesystem[];
  /** The VM as an export describes it (MACs, firmware). */
  vm?: VmDescription;
  /** Replaces inspected facts field by field. */
  facts?: Partial<GuestFacts>;
  /**
   * The guest's registry (Windows guests), e.g. a `MemoryRegistry`: inspection
   * reads the Windows facts from it and plugins read it through `p.guest`.
   */
  registry?: RegistryReader;
  /** What the guest-access layer would know (libguestfs inspection); with `registry`, defaults to a Windows x86_64 guest. */
  hints?: OsHints;
  /** The run's settings (`run` in the plugins' `apply`), e.g. the virtio-win source. */
  settings?: RunSettings;
}

export interface PlanOutcome {
  plan: Plan;
  facts: GuestFacts;
  /** The engine that planned: `engine.fix(guest, facts, plan, …)` applies the plan to the guest folder. */
  engine: Engine;
  /** The guest folder, as the directory adapter the plugins saw. */
  guest: DirectoryGuest;
  /** Host path of the guest folder. */
  root: string;
  /** Content of a file after the plan, `null` when absent (reads the planned view). */
  fileAfter(path: string): Promise<string | null>;
  /** The plan as `hyper2kvm plan` prints it. */
  text: string;
  /** Ends the run (the plugins' `dispose` taps) and removes the temporary guest folder, if one was made. */
  cleanup(): Promise<void>;
}

/** Writes a `GuestTree` into a new temporary folder and returns it. */
export async function materializeGuest(tree: GuestTree): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hyper2kvm-guest-'));
  for (const [path, content] of Object.entries(tree)) {
    const target = join(root, ...path.split('/').filter((part) => part && part !== '..'));
    await mkdir(dirname(target), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) await symlink(content.symlink, target);
    else await writeFile(target, content);
  }
  return root;
}

/** Runs inspect + plan of the given plugins on a guest; nothing is written to it. */
export async function planWithPlugins(options: PlanHarnessOptions): Promise<PlanOutcome> {
  const root = typeof options.guest === 'string' ? options.guest : await materializeGuest(options.guest);
  const guest = new DirectoryGuest(root, { filesystems: options.filesystems ?? [] });
  const ordered = pluginsInCode(options.plugins, 'test');
  const engine = new Engine({ plugins: ordered, coreVersion: CORE_VERSION, ...(options.settings ? { settings: options.settings } : {}) });
  const hints = options.hints ?? (options.registry ? { type: 'windows' as const, arch: 'x86_64' } : undefined);
  const inspected = await inspectGuestFacts(guest, {
    ...(options.vm ? { vm: options.vm } : {}),
    ...(hints ? { hints } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const facts = await engine.inspect(guest, { ...inspected, ...options.facts });
  const result = await engine.planWithView(guest, facts, options.registry ? { registry: options.registry } : {});
  return {
    plan: result.plan,
    facts,
    engine,
    guest,
    root,
    fileAfter: (path) => result.view.readText(path),
    text: renderPlan(result.plan),
    cleanup: async () => {
      await engine.dispose();
      if (typeof options.guest !== 'string') await rm(root, { recursive: true, force: true });
    },
  };
}
