// One guest exported every way real tools export a VM: OVAs as plain tars
// (GNU, pax; members in a subfolder, out of order, long names), compressed
// whole (gzip, xz), as zip (deflated, stored); a gzip'd disk; a chunked disk;
// numbered snapshot files; manifests as ovftool, coreutils and OpenSSL 3
// write them, wrong ones, a malformed one, none, a signed OVA; an unpacked
// folder; an OVF whose disk has no OS; VMX snapshot chains and Hyper-V
// checkpoints (.avhdx), whole and broken; a VHDX with an unreplayed log.
// Traps: content, not names, tells the forms apart; every refusal must come
// before anything is written. See export-forms/build.mjs.
import debian11 from './debian-11.mjs';
import ubuntu from './ubuntu-2204.mjs';
// Imported for the hash: the ovf-no-os form carries this image's disk.
import noOs from './no-os.mjs';

export default {
  name: 'export-forms',
  kind: 'export-forms',
  description: `${ubuntu.name} exported in every common form, and broken ones`,
  base: { image: ubuntu.name, noOsImage: noOs.name, name: ubuntu.name },
  chain: {
    // Each snapshot renames the host, so the state migrated shows in inspection.
    hostnames: ['ubuntu-snap1', 'ubuntu-snap2'],
    vm: ubuntu.vm,
  },
  hyperv: {
    image: debian11.name,
    hostnames: ['debian-checkpoint1', 'debian-checkpoint2'],
    // Hyper-V names a checkpoint's disk <disk>_<checkpoint GUID>.avhdx.
    checkpointIds: ['4D5C7B2A-1F3E-4C8D-9A6B-0E1F2A3B4C5D', '9E8F7A6B-5C4D-4E3F-8A2B-1C0D9E8F7A6B'],
  },
  expect: { hostname: 'ubuntu-web01', chainHostname: 'ubuntu-snap2', product: 'Ubuntu 22.04.3 LTS' },
};
