// Generated file contents that recipes ask for by name ({ generate: '...' }).
// Everything here is a PLACEHOLDER: these guests never boot. The shapes are
// real enough for inspection: `file` sees an x86-64 ELF, an initramfs is a
// real gzip'd newc cpio that `lsinitrd`/`cpio -t` can list.
import { gzipSync } from 'node:zlib';

const MARKER = 'hyper2kvm test-image placeholder\n';

/**
 * A 64-byte ELF64 header (x86-64 executable, no program headers) followed by
 * a marker. `file` reports "ELF 64-bit LSB executable, x86-64", which is what
 * libguestfs uses to tell a guest's architecture.
 */
export function elfPlaceholder(arch = 'x86_64') {
  const machine = { x86_64: 0x3e, aarch64: 0xb7 }[arch];
  if (machine === undefined) throw new Error(`elf: unsupported arch ${arch}`);
  const h = Buffer.alloc(64);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = 2; // ELFCLASS64
  h[5] = 1; // little endian
  h[6] = 1; // EV_CURRENT
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(machine, 18);
  h.writeUInt32LE(1, 20); // version
  h.writeBigUInt64LE(0x401000n, 24); // entry
  h.writeUInt16LE(64, 52); // header size
  h.writeUInt16LE(56, 54); // program header entry size
  h.writeUInt16LE(64, 58); // section header entry size
  return Buffer.concat([h, Buffer.from(MARKER)]);
}

/** One newc cpio entry. */
function cpioEntry(name, { mode, data = Buffer.alloc(0), ino }) {
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
  const header = '070701' + fields.map((n) => n.toString(16).padStart(8, '0')).join('');
  const pad = (len) => Buffer.alloc((4 - (len % 4)) % 4);
  const head = Buffer.from(header + name + '\0', 'latin1');
  return Buffer.concat([head, pad(head.length), data, pad(data.length)]);
}

/**
 * A newc cpio archive (what initramfs uses) of { path: content } with parent
 * directories, owned by root, timestamps 0 (reproducible).
 * @param {Record<string, string | Buffer>} files
 */
export function cpioArchive(files) {
  const dirs = new Set();
  for (const path of Object.keys(files)) {
    const parts = path.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [];
  let ino = 1;
  for (const dir of [...dirs].sort()) entries.push(cpioEntry(dir, { mode: 0o040755, ino: ino++ }));
  for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const name = path.replace(/^\/+/, '');
    const exec = /(^|\/)s?bin\//.test(name) || name === 'init';
    entries.push(cpioEntry(name, { mode: exec ? 0o100755 : 0o100644, data, ino: ino++ }));
  }
  entries.push(cpioEntry('TRAILER!!!', { mode: 0, ino: 0 }));
  return Buffer.concat(entries);
}

/**
 * A placeholder initramfs: gzip'd cpio holding the given files (typically
 * the storage modules the source hypervisor needed, and no virtio).
 * @param {{ files: Record<string, string | { generate: string }> }} spec
 */
export function initramfs(spec) {
  const files = {};
  for (const [path, value] of Object.entries(spec.files)) files[path] = render(value);
  return gzipSync(cpioArchive(files), { level: 9 });
}

/**
 * Turn a recipe file value into bytes.
 * @param {string | Buffer | { content?: string, generate?: string, arch?: string, files?: object }} value
 * @returns {Buffer}
 */
export function render(value) {
  if (typeof value === 'string') return Buffer.from(value);
  if (Buffer.isBuffer(value)) return value;
  if (value.content !== undefined) return Buffer.from(value.content);
  switch (value.generate) {
    case 'elf': return elfPlaceholder(value.arch);
    case 'initramfs': return initramfs(/** @type {any} */ (value));
    case 'placeholder': return Buffer.from(MARKER);
    case 'empty': return Buffer.alloc(0);
    default: throw new Error(`unknown generator: ${JSON.stringify(value.generate)}`);
  }
}
