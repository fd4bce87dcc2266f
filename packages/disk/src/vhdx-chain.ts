/**
 * Hyper-V checkpoints: a differencing VHDX (`.avhdx`) on its parent, down to
 * a base VHDX. qemu reads only the base, so the chain's newest state is made
 * here as a qcow2 layer on the base holding every sector the differencing
 * files hold (written by qemu itself, through qemu-nbd): the cost grows with
 * the checkpoints' data, not with the disk. Every link is checked first: the
 * parent is beside the child and its DataWriteGuid is the one the child
 * recorded when the checkpoint was taken.
 */
import { InputError, formatBytes, snapshotChainBroken } from '@hyper2kvm/core';
import { execa } from 'execa';
import { access, mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { NbdClient } from './nbd-client.js';
import { runQemuImg } from './qemu-img.js';
import { resolveInside } from './safe-path.js';
import { requireSpace } from './scratch-space.js';
import { hasPendingLog, normalizeGuid, presentRuns, readVhdx, type VhdxFile } from './vhdx.js';

export interface VhdxLayer {
  path: string;
  file: VhdxFile;
}

const MAX_CHAIN = 64;
const COPY_CHUNK = 4 * 1024 * 1024;

/** The VHDX structures of `path`, or `undefined` when it is not a VHDX. */
export async function readVhdxFile(path: string): Promise<VhdxFile | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    if (head.toString('latin1') !== 'vhdxfile') return undefined;
    return await readVhdx(handle);
  } finally {
    await handle.close();
  }
}

/** The layers of the chain `top` starts, newest first; the last one is the base, which has no parent. */
export async function resolveVhdxChain(top: string, first: VhdxFile, shown: string): Promise<VhdxLayer[]> {
  const chain: VhdxLayer[] = [{ path: top, file: first }];
  let child = chain[0]!;
  while (child.file.hasParent) {
    if (chain.length >= MAX_CHAIN) throw new InputError(shown, `checkpoint chain is longer than ${MAX_CHAIN} disks`);
    const childName = basename(child.path);
    if (hasPendingLog(child.file))
      throw new InputError(
        shown,
        `"${childName}" has metadata log entries that were never applied (its VM was running when it was copied); shut the VM down in Hyper-V and copy its disks again`,
        { code: 'VHDX_LOG_PENDING' },
      );
    const parentPath = await parentOf(child, shown);
    const parent = await readVhdxFile(parentPath).catch((error: unknown) => {
      throw snapshotChainBroken(
        shown,
        `checkpoint chain is broken: "${basename(parentPath)}", the parent of "${childName}", cannot be read as a VHDX (${error instanceof Error ? error.message : String(error)})`,
      );
    });
    if (parent === undefined)
      throw snapshotChainBroken(shown, `checkpoint chain is broken: "${basename(parentPath)}", the parent of "${childName}", is not a VHDX`);
    const linkages = [child.file.parentLocator['parent_linkage'], child.file.parentLocator['parent_linkage2']]
      .filter((value): value is string => value !== undefined)
      .map(normalizeGuid);
    if (!linkages.includes(parent.dataWriteGuid)) {
      throw snapshotChainBroken(
        shown,
        `checkpoint chain is broken: "${childName}" was taken from "${basename(parentPath)}" with data ID {${linkages[0] ?? 'none'}}, but that file's data ID is now {${parent.dataWriteGuid}} (it was written after the checkpoint, so the checkpoint no longer applies to it)`,
      );
    }
    if (parent.virtualSize !== child.file.virtualSize)
      throw snapshotChainBroken(
        shown,
        `checkpoint chain is broken: "${childName}" is ${child.file.virtualSize} bytes but its parent "${basename(parentPath)}" is ${parent.virtualSize}`,
      );
    const layer = { path: parentPath, file: parent };
    if (chain.some((known) => known.path === parentPath))
      throw snapshotChainBroken(shown, `checkpoint chain of "${basename(top)}" loops back to "${basename(parentPath)}"`);
    chain.push(layer);
    child = layer;
  }
  return chain;
}

/**
 * Where the parent of a differencing VHDX is: its locator's relative path,
 * else the base names of its absolute paths, always in the child's folder
 * (Hyper-V writes Windows paths of the host that made the checkpoint).
 */
async function parentOf(child: VhdxLayer, shown: string): Promise<string> {
  const locator = child.file.parentLocator;
  const folder = dirname(child.path);
  const candidates = [locator['relative_path'], locator['absolute_win32_path'], locator['volume_path']]
    .filter((value): value is string => value !== undefined && value !== '')
    .map(
      (value) =>
        value
          .replace(/\\/g, '/')
          .split('/')
          .filter((part) => part !== '' && part !== '.')
          .pop() ?? '',
    )
    .filter((name) => name !== '' && name !== '..');
  for (const name of candidates) {
    const path = resolveInside(folder, name);
    if (
      path !== undefined &&
      (await access(path).then(
        () => true,
        () => false,
      ))
    )
      return path;
  }
  const named = locator['relative_path'] ?? locator['absolute_win32_path'] ?? '(no path in its parent locator)';
  throw snapshotChainBroken(
    shown,
    `checkpoint chain is broken: "${basename(child.path)}" is a checkpoint of "${named}", which is not in its folder (copy every .vhdx and .avhdx file of the VM)`,
  );
}

/**
 * Writes the chain's newest state as `target`: a qcow2 layer backed by the
 * base VHDX (read-only, by absolute path), holding every run of sectors the
 * differencing layers hold, oldest layer first so newer data wins.
 */
export async function materializeVhdxChain(layers: VhdxLayer[], target: string, shown: string): Promise<void> {
  const base = layers.at(-1)!;
  const differencing = layers.slice(0, -1).reverse();
  let bytes = 0;
  for (const layer of differencing) {
    const handle = await open(layer.path, 'r');
    try {
      for await (const run of presentRuns(handle, layer.file)) bytes += run.length;
    } finally {
      await handle.close();
    }
  }
  await requireSpace(dirname(target), bytes, shown, `the ${differencing.length} checkpoint(s) (${formatBytes(bytes)} of data)`);
  await runQemuImg(['create', '-q', '-f', 'qcow2', '-o', 'compat=1.1', '-b', base.path, '-F', 'vhdx', target, String(base.file.virtualSize)]);
  // Unix socket paths are limited to 108 bytes: a short folder of its own under the system's temporary folder.
  const socketFolder = await mkdtemp(join(tmpdir(), 'h2k-nbd-'));
  const socket = join(socketFolder, 'socket');
  const server = execa('qemu-nbd', ['--format=qcow2', '--cache=writeback', `--socket=${socket}`, target], { stdin: 'ignore', reject: false });
  try {
    const client = await connectWhenReady(socket, server);
    try {
      for (const layer of differencing) await copyRuns(layer, client);
      await client.flush();
    } finally {
      await client.close();
    }
    const exited = await server;
    if (exited.exitCode !== 0) throw new Error(`qemu-nbd failed: ${String(exited.stderr).trim()}`);
  } catch (error) {
    server.kill();
    await server.catch(() => undefined);
    await rm(target, { force: true });
    throw error instanceof InputError
      ? error
      : new InputError(shown, `the checkpoints could not be merged for reading (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  } finally {
    await rm(socketFolder, { recursive: true, force: true });
  }
}

async function copyRuns(layer: VhdxLayer, client: NbdClient): Promise<void> {
  const handle: FileHandle = await open(layer.path, 'r');
  const zeros = Buffer.alloc(COPY_CHUNK);
  try {
    for await (const run of presentRuns(handle, layer.file)) {
      for (let done = 0; done < run.length; done += COPY_CHUNK) {
        const length = Math.min(COPY_CHUNK, run.length - done);
        if (run.fileOffset === undefined) {
          await client.write(run.offset + done, zeros.subarray(0, length));
          continue;
        }
        const data = Buffer.alloc(length);
        const { bytesRead } = await handle.read(data, 0, length, run.fileOffset + done);
        if (bytesRead < length) throw new Error(`"${basename(layer.path)}" is truncated: a block it lists lies beyond its end`);
        await client.write(run.offset + done, data);
      }
    }
  } finally {
    await handle.close();
  }
}

/** qemu-nbd creates its socket once listening: connect as soon as it is there, or say why it never was. */
async function connectWhenReady(socket: string, server: ReturnType<typeof execa>): Promise<NbdClient> {
  let exited = false;
  void server.finally(() => (exited = true));
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (exited) throw new Error(`qemu-nbd exited early: ${String((await server).stderr ?? '').trim()}`);
    if (
      await stat(socket).then(
        () => true,
        () => false,
      )
    )
      return NbdClient.connect(socket);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('qemu-nbd did not start listening within 10 s');
}
