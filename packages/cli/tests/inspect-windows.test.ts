/**
 * `inspect` on the phony Windows guests of test-images: one real appliance
 * per image, the facts read from the real hives and NTFS volume.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GuestFacts } from '@hyper2kvm/core';
import { inspect, type InspectResult } from '../src/index.js';
import { describeFacts } from '../src/commands/inspect.js';
import { ensureImage, sha256 } from './test-image.js';

process.env['LIBGUESTFS_BACKEND'] ??= 'direct';

/** An appliance boot under TCG on a busy 2-CPU machine can take minutes. */
const INSPECT_TIMEOUT_MS = 900_000;

interface Inspected {
  result: InspectResult;
  facts: GuestFacts;
  sourceUnchanged: boolean;
}

/** Builds (or reuses) the image, inspects its VMDK once, checks the source hash around it. */
async function inspectImage(name: string): Promise<Inspected> {
  const image = await ensureImage(name);
  const vmdk = image.files.vmdk;
  if (!vmdk) throw new Error(`${name} has no VMDK`);
  const before = await sha256(vmdk);
  // An empty folder as cwd: no config file, the built-in preset.
  const cwd = await mkdtemp(join(tmpdir(), 'hyper2kvm-inspect-windows-'));
  const result = await inspect({ sources: [vmdk], cwd });
  return { result, facts: result.facts, sourceUnchanged: (await sha256(vmdk)) === before };
}

describe('inspect windows-2022 (UEFI, Server 2022)', () => {
  let inspected: Inspected;
  beforeAll(async () => {
    inspected = await inspectImage('windows-2022');
  }, INSPECT_TIMEOUT_MS);

  it('reports the Windows facts', () => {
    const { facts } = inspected;
    expect(facts.os).toMatchObject({ type: 'windows', arch: 'x86_64', productName: 'Windows Server 2022 Standard', hostname: 'WIN2022-APP01' });
    expect(facts.firmware).toBe('uefi');
    expect(facts.windows).toEqual({
      productName: 'Windows Server 2022 Standard',
      editionId: 'ServerStandard',
      ntVersion: '10.0',
      build: 20348,
      installationType: 'server',
      systemRoot: '/Windows',
      controlSets: ['ControlSet001', 'ControlSet002'],
      currentControlSet: 'ControlSet001',
      hasDriverDatabase: true,
      hibernated: false,
      fastStartup: false,
      vmwareToolsInstalled: true,
      // The ESP, mounted beside C: by the guest access.
      espRoot: '/.hyper2kvm/esp',
    });
  });

  it('prints them for people', () => {
    const text = describeFacts(inspected.facts);
    expect(text).toContain('Windows:     Windows Server 2022 Standard [ServerStandard] (NT 10.0, build 20348, server)');
    expect(text).toContain('Control set: ControlSet001 of ControlSet001, ControlSet002');
    expect(text).toContain('Drivers:     DriverDatabase');
    expect(text).toContain('Hibernation: not hibernated; fast startup off');
    expect(text).toContain('Firmware:    uefi');
  });

  it('used one appliance and left the source alone', () => {
    expect(inspected.result.applianceLaunches).toBe(1);
    expect(inspected.sourceUnchanged).toBe(true);
  });
});

describe('inspect windows-7 (BIOS, Windows 7 SP1)', () => {
  let inspected: Inspected;
  beforeAll(async () => {
    inspected = await inspectImage('windows-7');
  }, INSPECT_TIMEOUT_MS);

  it('reports the Windows facts', () => {
    const { facts } = inspected;
    expect(facts.os).toMatchObject({ type: 'windows', arch: 'x86_64', productName: 'Windows 7 Professional', hostname: 'WIN7-PC' });
    expect(facts.firmware).toBe('bios');
    expect(facts.windows).toEqual({
      productName: 'Windows 7 Professional',
      editionId: 'Professional',
      ntVersion: '6.1',
      build: 7601,
      installationType: 'client',
      systemRoot: '/Windows',
      controlSets: ['ControlSet001', 'ControlSet002'],
      currentControlSet: 'ControlSet001',
      hasDriverDatabase: false,
      hibernated: false,
      fastStartup: false,
      vmwareToolsInstalled: true,
    });
    expect(inspected.sourceUnchanged).toBe(true);
  });
});

describe('inspect windows-10-hibernated (BIOS, Windows 10 22H2, fast startup)', () => {
  let inspected: Inspected;
  beforeAll(async () => {
    inspected = await inspectImage('windows-10-hibernated');
  }, INSPECT_TIMEOUT_MS);

  it('reports the hibernation and fast startup', () => {
    const { facts } = inspected;
    expect(facts.os).toMatchObject({ type: 'windows', arch: 'x86_64', productName: 'Windows 10 Pro', hostname: 'WIN10-DESK07' });
    expect(facts.firmware).toBe('bios');
    expect(facts.windows).toEqual({
      productName: 'Windows 10 Pro',
      editionId: 'Professional',
      ntVersion: '10.0',
      build: 19045,
      installationType: 'client',
      systemRoot: '/Windows',
      controlSets: ['ControlSet001'],
      currentControlSet: 'ControlSet001',
      hasDriverDatabase: true,
      hibernated: true,
      fastStartup: true,
      vmwareToolsInstalled: true,
      // The System Reserved partition (\bootmgr, \Boot\BCD), mounted beside C: by the guest access.
      bootVolumeRoot: '/.hyper2kvm/system-reserved',
    });
    expect(describeFacts(facts)).toContain('Hibernation: HIBERNATED (hiberfil.sys holds a saved system); fast startup ON');
    expect(inspected.sourceUnchanged).toBe(true);
  });
});
