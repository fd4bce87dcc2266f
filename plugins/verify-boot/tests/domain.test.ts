import { describe, expect, it } from 'vitest';
import { defaultMac, parseDomainXml, qemuArguments } from '../src/index.js';

/** The shape @hyper2kvm/plugin-libvirt-xml emits (BIOS, virtio, two NICs, one left to libvirt). */
const BIOS_VIRTIO = `<domain type='kvm'>
  <name>web01</name>
  <memory unit='MiB'>1024</memory>
  <currentMemory unit='MiB'>1024</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='/srv/out/web01-disk1.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='00:50:56:8A:3C:12'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='network'>
      <source network='default'/>
      <model type='e1000e'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
`;

const UEFI_SCSI = `<domain type='kvm'>
  <name>app &amp; db</name>
  <memory unit='GiB'>2</memory>
  <vcpu placement='static'>2</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <firmware>
      <feature enabled='yes' name='secure-boot'/>
      <feature enabled='yes' name='enrolled-keys'/>
    </firmware>
  </os>
  <devices>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/out/a&amp;b&#47;db-disk1.raw'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/srv/out/db-disk2.qcow2'/>
      <target dev='sdb' bus='scsi'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/srv/virtio-win.iso'/>
      <target dev='sdc' bus='sata'/>
    </disk>
  </devices>
</domain>
`;

describe('parseDomainXml', () => {
  it('reads firmware, machine, memory, disks with bus and NICs with model and MAC', () => {
    expect(parseDomainXml(BIOS_VIRTIO)).toEqual({
      name: 'web01',
      firmware: 'bios',
      secureBoot: false,
      machine: 'q35',
      memoryMiB: 1024,
      vcpus: 1,
      disks: [{ path: '/srv/out/web01-disk1.qcow2', format: 'qcow2', bus: 'virtio' }],
      nics: [{ model: 'virtio', mac: '00:50:56:8a:3c:12' }, { model: 'e1000e' }],
    });
  });

  it('reads UEFI with secure boot, SCSI disks, and leaves CD-ROMs and entities alone', () => {
    const machine = parseDomainXml(UEFI_SCSI);
    expect(machine).toMatchObject({ firmware: 'uefi', secureBoot: true, machine: 'q35', memoryMiB: 2048, vcpus: 2, nics: [] });
    expect(machine.name).toBe('app & db');
    expect(machine.disks).toEqual([
      { path: '/srv/out/a&b/db-disk1.raw', format: 'raw', bus: 'scsi' },
      { path: '/srv/out/db-disk2.qcow2', format: 'qcow2', bus: 'scsi' },
    ]);
  });

  it('refuses what is not a domain, and buses it cannot model', () => {
    expect(() => parseDomainXml('<network><name>x</name></network>')).toThrow(/not a libvirt domain/);
    expect(() => parseDomainXml(BIOS_VIRTIO.replace("bus='virtio'", "bus='usb'"))).toThrow(/unsupported disk bus "usb"/);
  });

  it('does not expand entities declared in the document', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;">]>${BIOS_VIRTIO.replace('<name>web01</name>', '<name>&b;</name>')}`;
    expect(parseDomainXml(bomb).name).toBe('&b;');
  });
});

describe('qemuArguments', () => {
  it('boots virtio disks and NICs on user networking, headless, serial on stdio, no reboot', () => {
    const args = qemuArguments(parseDomainXml(BIOS_VIRTIO), { accel: 'tcg', overlays: ['/tmp/v/disk0.qcow2'] });
    const joined = args.join(' ');
    expect(joined).toContain('-machine q35,accel=tcg');
    expect(joined).toContain('-cpu max');
    expect(joined).toContain('-display none -no-reboot -serial stdio');
    expect(joined).toContain('-drive file=/tmp/v/disk0.qcow2,format=qcow2,if=none,id=disk0,cache=unsafe -device virtio-blk-pci,drive=disk0,bootindex=0');
    expect(joined).toContain('-netdev user,id=net0 -device virtio-net-pci,netdev=net0,mac=00:50:56:8a:3c:12');
    expect(joined).toContain(`-netdev user,id=net1 -device e1000e,netdev=net1,mac=${defaultMac(1)}`);
    expect(joined).not.toContain('pflash');
  });

  it('adds a virtio-scsi controller and OVMF with its own vars copy for UEFI', () => {
    const args = qemuArguments(parseDomainXml(UEFI_SCSI), {
      accel: 'kvm',
      overlays: ['/tmp/v/disk0.qcow2', '/tmp/v/disk1.qcow2'],
      uefi: { code: '/usr/share/OVMF/OVMF_CODE.secboot.fd', vars: '/tmp/v/OVMF_VARS.fd' },
    });
    const joined = args.join(' ');
    expect(joined).toContain('-machine q35,accel=kvm,smm=on');
    expect(joined).toContain('-cpu host');
    expect(joined).toContain('-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.secboot.fd');
    expect(joined).toContain('-drive if=pflash,format=raw,unit=1,file=/tmp/v/OVMF_VARS.fd');
    expect(joined).toContain('-device virtio-scsi-pci,id=scsi0');
    expect(joined).toContain('-device scsi-hd,drive=disk0,bus=scsi0.0,bootindex=0');
    expect(joined).toContain('-device scsi-hd,drive=disk1,bus=scsi0.0');
  });

  it('puts SATA disks on the AHCI ports of q35', () => {
    const machine = { ...parseDomainXml(BIOS_VIRTIO), disks: [{ path: '/x.qcow2', format: 'qcow2', bus: 'sata' as const }] };
    expect(qemuArguments(machine, { accel: 'tcg', overlays: ['/o.qcow2'] }).join(' ')).toContain('-device ide-hd,drive=disk0,bus=ide.0,bootindex=0');
  });
});
