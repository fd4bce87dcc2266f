/**
 * Reads a tar archive front to back from a stream (the output of a
 * decompressor), handing each regular member's data to a sink as it passes.
 */
import { InputError } from '@hyper2kvm/core';
import { ByteReader } from './byte-reader.js';
import { isEndBlock, isMetadata, isRegularFile, MAX_TAR_META_SIZE, parseTarHeader, TAR_BLOCK, tarPadding, TarMetadata } from './tar-header.js';

/** Where one member's bytes go. */
export interface MemberSink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

/** A member as the stream announces it, before its data. */
export interface StreamedMember {
  name: string;
  size: number;
}

const CHUNK = 1024 * 1024;

/**
 * Walks the archive in `input`. For every regular member, `onMember` returns
 * the sink for its data (or `undefined` to skip it). Member names are checked
 * as in {@link indexTar}; `file` names the archive in errors.
 */
export async function readTarStream(
  input: AsyncIterable<Buffer | Uint8Array>,
  file: string,
  onMember: (member: StreamedMember) => Promise<MemberSink | undefined>,
): Promise<StreamedMember[]> {
  const reader = new ByteReader(input);
  const metadata = new TarMetadata(file);
  const members: StreamedMember[] = [];
  for (;;) {
    const position = reader.position;
    const block = await reader.read(TAR_BLOCK);
    if (block.length === 0 && position === 0) throw new InputError(file, 'the compressed archive is empty');
    if (block.length < TAR_BLOCK || isEndBlock(block)) break;
    const header = parseTarHeader(block);
    if (header === undefined) {
      throw new InputError(
        file,
        position === 0 ? 'the compressed content is not a tar archive' : `tar header at byte ${position} of the unpacked archive is corrupt`,
      );
    }
    const size = metadata.sizeOf(header);
    if (isMetadata(header.type)) {
      if (size > MAX_TAR_META_SIZE) throw new InputError(file, `tar metadata at byte ${position} is too large`);
      const data = await readExactly(reader, size, file);
      await readExactly(reader, tarPadding(size), file);
      metadata.absorb(header, data, position);
      continue;
    }
    const name = metadata.takeName(header);
    const sink = isRegularFile(header.type) ? await onMember({ name, size }) : undefined;
    if (isRegularFile(header.type)) members.push({ name, size });
    let left = size;
    while (left > 0) {
      const chunk = await reader.readSome(Math.min(left, CHUNK));
      if (chunk.length === 0) throw new InputError(file, `archive is truncated: member "${name}" needs ${size} bytes, ${size - left} are there`);
      left -= chunk.length;
      await sink?.write(chunk);
    }
    await sink?.end();
    await readExactly(reader, tarPadding(size), file);
  }
  return members;
}

async function readExactly(reader: ByteReader, length: number, file: string): Promise<Buffer> {
  const data = await reader.read(length);
  if (data.length < length) throw new InputError(file, 'archive is truncated');
  return data;
}
