// Placeholder Windows binaries (PE images). They cannot run; they carry the
// headers `file` reads, which is how libguestfs tells a Windows guest's
// architecture (from System32\cmd.exe).

/** IMAGE_FILE_MACHINE_* per architecture name libguestfs reports. */
const MACHINE = { x86_64: 0x8664, i386: 0x014c };

/** IMAGE_SUBSYSTEM_* by name. */
export const SUBSYSTEM = { native: 1, gui: 2, console: 3, efi: 10 };

const PE_OFFSET = 0x80;
const COFF_SIZE = 20;
const SECTION_HEADER_SIZE = 40;

/**
 * A PE32 (i386) or PE32+ (x86_64) header with one empty section and a marker.
 * `file` reports e.g. "PE32+ executable (console) x86-64, for MS Windows".
 * @param {{ arch?: 'x86_64'|'i386', subsystem?: keyof typeof SUBSYSTEM, dll?: boolean }} [options]
 */
export function pePlaceholder({ arch = 'x86_64', subsystem = 'console', dll = false } = {}) {
  const machine = MACHINE[arch];
  if (machine === undefined) throw new Error(`pe: unsupported arch ${arch}`);
  const plus = arch === 'x86_64';
  const optionalSize = plus ? 240 : 224;
  const marker = Buffer.from('hyper2kvm test-image placeholder\r\n', 'latin1');
  const image = Buffer.alloc(PE_OFFSET + 4 + COFF_SIZE + optionalSize + SECTION_HEADER_SIZE);

  // DOS header: "MZ", a relocation table offset >= 0x40 (marks a new-style
  // executable) and e_lfanew pointing at the PE signature.
  image.write('MZ', 0, 'latin1');
  image.writeUInt16LE(0x0040, 0x18);
  image.writeUInt32LE(PE_OFFSET, 0x3c);
  image.write('PE\0\0', PE_OFFSET, 'latin1');

  const coff = PE_OFFSET + 4;
  const EXECUTABLE_IMAGE = 0x0002;
  const LARGE_ADDRESS_AWARE = 0x0020;
  const MACHINE_32BIT = 0x0100;
  const DLL = 0x2000;
  image.writeUInt16LE(machine, coff);
  image.writeUInt16LE(1, coff + 2); // number of sections
  image.writeUInt16LE(optionalSize, coff + 16);
  image.writeUInt16LE(EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | (plus ? 0 : MACHINE_32BIT) | (dll ? DLL : 0), coff + 18);

  const optional = coff + COFF_SIZE;
  image.writeUInt16LE(plus ? 0x020b : 0x010b, optional);
  image.writeUInt16LE(SUBSYSTEM[subsystem], optional + 68);
  image.writeUInt32LE(16, optional + (plus ? 108 : 92)); // number of data directories

  const section = optional + optionalSize;
  image.write('.text', section, 'latin1');
  return Buffer.concat([image, marker]);
}
