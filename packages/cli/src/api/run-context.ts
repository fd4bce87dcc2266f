/** What inspect, plan and migrate share: config, plugins, engine, the opened VM. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CORE_VERSION, Engine, inspectGuestFacts, silentLogger, type GuestFacts, type Hyper2kvmConfig, type LoadedPlugin, type Logger, type PluginEntry, type VmDescription } from '@hyper2kvm/core';
import { setupRun } from '../plugins-setup.js';
import { openVm, type VmSession } from './open-vm.js';

/** Options every API call takes. */
export interface CommonRunOptions {
  /** Source files or a guest folder. */
  sources: string[];
  /** Folder config search and relative paths start from (default: process.cwd()). */
  cwd?: string;
  /** Config file to use instead of searching. */
  configFile?: string;
  logger?: Logger;
  /** Scratch folder for overlays (default: a new temporary folder, removed at the end). */
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
  dispose(): Promise<void>;
}

/** Times an async step into `timings[name]` (milliseconds). */
export async function timed<T>(timings: Record<string, number>, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    timings[name] = Math.round((timings[name] ?? 0) + performance.now() - started);
  }
}

/** Loads config and plugins, opens the VM and runs `inspect`. The caller must `dispose()`. */
export async function startRun(options: CommonRunOptions): Promise<RunContext> {
  const logger = options.logger ?? silentLogger();
  const cwd = options.cwd ?? process.cwd();
  const { loaded, plugins } = await setupRun({ cwd, ...(options.configFile ? { configFile: options.configFile } : {}), ...(options.plugins ? { plugins: options.plugins } : {}) });
  const engine = new Engine({ plugins, logger, coreVersion: CORE_VERSION });
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'hyper2kvm-work-')));
  const timings: Record<string, number> = {};
  let session: VmSession | undefined;
  const dispose = async (): Promise<void> => {
    await session?.close();
    if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
  };
  try {
    session = await timed(timings, 'open', () =>
      openVm(options.sources.map((source) => resolve(cwd, source)), {
        workDir,
        accel: loaded.config.accel,
        logger,
        ...(options.onDisksReady ? { onDisksReady: (vm: VmDescription) => options.onDisksReady?.(vm, loaded.config) } : {}),
      }),
    );
    Object.assign(timings, session.timings);
    const opened = session;
    const facts = await timed(timings, 'inspect', async () => {
      const base = await inspectGuestFacts(opened.guest, { ...(opened.vm ? { vm: opened.vm } : {}), hints: opened.hints, ...(opened.registry ? { registry: opened.registry } : {}) });
      return engine.inspect(opened.guest, base);
    });
    return { config: loaded.config, plugins, engine, session, facts, logger, workDir, timings, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
