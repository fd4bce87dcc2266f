/** What inspect, plan and migrate share: config, plugins, engine, the opened VM. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CORE_VERSION,
  Engine,
  inspectGuestFacts,
  parseNetworkTarget,
  silentLogger,
  timed,
  type GuestFacts,
  type Hyper2kvmConfig,
  type LoadedPlugin,
  type Logger,
  type NetworkMap,
  type Plan,
  type PluginEntry,
  type ProgressEvent,
  type RunSettings,
  type VmDescription,
} from '@hyper2kvm/core';
import { setupRun } from '../plugins-setup.js';
import { luksKeysOfConfig, readLuksKeys, type LuksKeySpec } from './luks-keys.js';
import { GUEST_ROOT_PREFIX, openVm, type VmSession } from './open-vm.js';

/** Options every API call takes. */
export interface CommonRunOptions {
  /**
   * The export: an OVA, an OVF or VMX (disks beside it), a folder holding
   * one, or disk files. `dir:PATH` names a guest root folder instead, which
   * is repaired in place (see `guestRoot`).
   */
  sources: string[];
  /** A folder holding a guest's root file system, used instead of `sources`; it is repaired in place. */
  guestRoot?: string;
  /** Check the export's manifest before writing (default: the config's `source.verifyChecksums`, true). */
  verifyChecksums?: boolean;
  /** Key files for LUKS volumes (`--luks-key`, `--luks-passphrase-file`); replace the config's `source.luks`. */
  luksKeys?: LuksKeySpec[];
  /** Source network → target, over the config's `networks` (`--network-map`). */
  networkMap?: NetworkMap;
  /** The virtio-win ISO or folder for Windows guests (`--virtio-win`), over the config's `virtioWin` and `$VIRTIO_WIN`. */
  virtioWin?: string;
  /** Progress of long steps (unpacking a compressed export). */
  onProgress?: (event: ProgressEvent) => void;
  /** Folder config search and relative paths start from (default: process.cwd()). */
  cwd?: string;
  /** Config file to use instead of searching. */
  configFile?: string;
  logger?: Logger;
  /**
   * Folder under which the run keeps its scratch files (overlays, unpacked
   * archives) in a folder of its own, removed at the end. Default: the
   * system's temporary folder.
   */
  workDir?: string;
  /** Replaces the config's plugin list (batch groups); path specifiers absolute, package names resolve from `cwd`. */
  plugins?: PluginEntry[];
  /** See `OpenVmOptions.onDisksReady`; receives the loaded config too. */
  onDisksReady?: (vm: VmDescription, config: Hyper2kvmConfig) => void;
}

export interface RunContext {
  config: Hyper2kvmConfig;
  plugins: LoadedPlugin[];
  engine: Engine;
  session: VmSession;
  facts: GuestFacts;
  logger: Logger;
  workDir: string;
  timings: Record<string, number>;
  /** Where each source network attaches (config `networks` under the run's own map). */
  networkMap: NetworkMap;
  dispose(): Promise<void>;
}

/** The sources as `openVm` takes them: paths resolved from `cwd`, a guest root as `dir:PATH`. */
export function resolveSources(options: Pick<CommonRunOptions, 'sources' | 'guestRoot'>, cwd: string): string[] {
  if (options.guestRoot !== undefined) return [`${GUEST_ROOT_PREFIX}${resolve(cwd, options.guestRoot)}`];
  return options.sources.map((source) =>
    source.startsWith(GUEST_ROOT_PREFIX) ? `${GUEST_ROOT_PREFIX}${resolve(cwd, source.slice(GUEST_ROOT_PREFIX.length))}` : resolve(cwd, source),
  );
}

/**
 * The settings plugins read, resolved here and only here: the command line
 * over the config file (relative to its folder) over the environment.
 */
export function runSettings(
  options: Pick<CommonRunOptions, 'virtioWin'>,
  loaded: { config: Hyper2kvmConfig; filePath: string | null },
  cwd: string,
): RunSettings {
  const fromConfig = loaded.config.virtioWin === undefined ? undefined : resolve(loaded.filePath ? dirname(loaded.filePath) : cwd, loaded.config.virtioWin);
  const fromEnvironment = process.env['VIRTIO_WIN'] ? resolve(cwd, process.env['VIRTIO_WIN']) : undefined;
  const virtioWin = options.virtioWin !== undefined ? resolve(cwd, options.virtioWin) : (fromConfig ?? fromEnvironment);
  return virtioWin === undefined ? {} : { virtioWin };
}

/** The config's `networks` parsed, with `overrides` on top. */
export function networkMapOf(config: Hyper2kvmConfig, overrides: NetworkMap = {}): NetworkMap {
  const map: NetworkMap = {};
  for (const [source, target] of Object.entries(config.networks)) map[source] = parseNetworkTarget(target);
  return { ...map, ...overrides };
}

/**
 * Loads config and plugins, opens the VM and runs `inspect`. The caller must
 * `dispose()`, and await `session.verified` before it writes anything or
 * reports a result (the export's checksums are still being read).
 */
export async function startRun(options: CommonRunOptions): Promise<RunContext> {
  const logger = options.logger ?? silentLogger();
  const cwd = options.cwd ?? process.cwd();
  const { loaded, plugins } = await setupRun({
    cwd,
    ...(options.configFile ? { configFile: options.configFile } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  });
  const engine = new Engine({ plugins, logger, coreVersion: CORE_VERSION, settings: runSettings(options, loaded, cwd) });
  if (options.workDir !== undefined) await mkdir(options.workDir, { recursive: true });
  const workDir = await mkdtemp(join(options.workDir ?? tmpdir(), 'hyper2kvm-work-'));
  const timings: Record<string, number> = {};
  let session: VmSession | undefined;
  const dispose = async (): Promise<void> => {
    await engine.dispose();
    await session?.close();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const luksKeys = await readLuksKeys(options.luksKeys ?? luksKeysOfConfig(loaded.config, loaded.filePath ? dirname(loaded.filePath) : cwd));
    session = await timed(timings, 'open', () =>
      openVm(resolveSources(options, cwd), {
        workDir,
        accel: loaded.config.accel,
        appliance: loaded.config.appliance,
        logger,
        verifyChecksums: options.verifyChecksums ?? loaded.config.source.verifyChecksums,
        luksKeys,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onDisksReady ? { onDisksReady: (vm: VmDescription) => options.onDisksReady?.(vm, loaded.config) } : {}),
      }),
    );
    Object.assign(timings, session.timings);
    const opened = session;
    if (opened.applianceLaunches === 0) options.onProgress?.({ step: 'inspect', message: 'reading the guest folder' });
    const facts = await timed(timings, 'inspect', async () => {
      const base = await inspectGuestFacts(opened.guest, {
        ...(opened.vm ? { vm: opened.vm } : {}),
        hints: opened.hints,
        ...(opened.registry ? { registry: opened.registry } : {}),
      });
      return engine.inspect(opened.guest, base);
    });
    return {
      config: loaded.config,
      plugins,
      engine,
      session,
      facts,
      logger,
      workDir,
      timings,
      networkMap: networkMapOf(loaded.config, options.networkMap),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs the plugins' `plan` with the guest's registry and the export's own findings heading the plan. */
export async function planRun(run: RunContext): Promise<Plan> {
  return timed(run.timings, 'plan', () =>
    run.engine.plan(run.session.guest, run.facts, {
      ...(run.session.registry ? { registry: run.session.registry } : {}),
      findings: run.session.source?.findings ?? [],
    }),
  );
}
