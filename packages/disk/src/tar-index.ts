import { InputError, type ArchiveMember } from '@hyper2kvm/core';
import { open } from 'node:fs/promises';
import { isEndBlock, isMetadata, isRegularFile, MAX_TAR_META_SIZE, parseTarHeader, TAR_BLOCK, TarMetadata } from './tar-header.js';

/** A regular file inside a tar archive: where its bytes are, without extracting them. */
export type TarMember = ArchiveMember;

/** Random access to the bytes of an archive. */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/**
 * Lists the regular files of a tar archive (ustar, GNU long names, pax
 * headers) by walking its headers only. Every member name is checked: an
 * absolute name or one with a `..` component is refused.
 */
export async function readTarIndex(path: string, file: string = path): Promise<TarMember[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await indexTar(
      {
        size,
        async read(offset, length) {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        },
      },
      file,
    );
  } finally {
    await handle.close();
  }
}

/** {@link readTarIndex} over any byte source; `file` names the archive in errors. */
export async function indexTar(source: ByteSource, file: string): Promise<TarMember[]> {
  const members: TarMember[] = [];
  const metadata = new TarMetadata(file);
  let position = 0;
  while (position + TAR_BLOCK <= source.size) {
    const block = await source.read(position, TAR_BLOCK);
    if (block.length < TAR_BLOCK || isEndBlock(block)) break;
    const header = parseTarHeader(block);
    if (header === undefined) {
      throw new InputError(file, position === 0 ? 'not a tar archive' : `tar header at byte ${position} is corrupt`);
    }
    const size = metadata.sizeOf(header);
    const dataOffset = position + TAR_BLOCK;
    if (dataOffset + size > source.size) {
      throw new InputError(file, `archive is truncated: member at byte ${position} needs ${size} bytes`);
    }
    const next = dataOffset + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
    if (isMetadata(header.type)) {
      if (size > MAX_TAR_META_SIZE) throw new InputError(file, `tar metadata at byte ${position} is too large`);
      metadata.absorb(header, await source.read(dataOffset, size), position);
    } else {
      const name = metadata.takeName(header);
      if (isRegularFile(header.type)) members.push({ name, offset: dataOffset, size });
    }
    position = next;
  }
  return members;
}

export { checkMemberName } from './tar-header.js';
