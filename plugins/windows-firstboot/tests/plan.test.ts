import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import windowsFirstboot, { quietUninstall } from '../src/index.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { MemoryRegistry, planWithPlugins } from '@hyper2kvm/plugin-kit';
import type { RegistryValue } from '@hyper2kvm/core';
import { ensureImage } from '../../../test-images/build.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win2022 from '../../../test-images/recipes/windows-2022.mjs';
// @ts-expect-error plain JavaScript recipe modules
import win7 from '../../../test-images/recipes/windows-7.mjs';

interface RecipeHive {
  entries: { key: string; values?: Record<string, RegistryValue> }[];
}
interface Recipe {
  volumes: Record<string, { hives?: Record<string, RecipeHive> }>;
}
const hives = (recipe: Recipe) => recipe.volumes['system']?.hives ?? {};
const registryOf = (recipe: Recipe) =>
  new MemoryRegistry({
    SYSTEM: hives(recipe)['/Windows/System32/config/SYSTEM']!.entries,
    SOFTWARE: hives(recipe)['/Windows/System32/config/SOFTWARE']!.entries,
  });
/** The harness's view of a Windows guest as libguestfs inspection would hint it. */
const windowsHints = (firmware: 'bios' | 'uefi') => ({ type: 'windows' as const, arch: 'x86_64', firmware });

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const HEAD = [
  '@echo off',
  'rem hyper2kvm first boot: runs once as SYSTEM before logon (HKLM\\SYSTEM\\Setup CmdLine, SetupType 2).',
  'setlocal EnableExtensions',
  'set "H2K=C:\\Program Files\\hyper2kvm"',
  'set "LOG=%H2K%\\firstboot.log"',
  'if exist "%H2K%\\firstboot.done" goto unregister',
  'echo %DATE% %TIME% hyper2kvm first boot started>>"%LOG%"',
  '',
  'rem 1. Drivers staged by hyper2kvm',
  'if exist "C:\\Windows\\Drivers\\VirtIO" (',
  '  echo %DATE% %TIME% installing drivers from C:\\Windows\\Drivers\\VirtIO>>"%LOG%"',
];
const network = (guid: string, ip: string, mask: string, gateway: string, dns: string[]) => [
  '',
  `rem 4. Static IPv4 of the old adapter ${guid}, put on the virtio adapter (PCI VEN_1AF4)`,
  'set "NIC="',
  'set /a TRIES=0',
  ':findnic',
  `for /f "usebackq delims=" %%N in (\`powershell -NoProfile -ExecutionPolicy Bypass -Command "(Get-WmiObject Win32_NetworkAdapter | Where-Object { $_.PNPDeviceID -like 'PCI\\VEN_1AF4*' -and $_.NetConnectionID } | Select-Object -First 1).NetConnectionID"\`) do set "NIC=%%N"`,
  'if defined NIC goto setip',
  'set /a TRIES+=1',
  'if %TRIES% geq 30 (',
  '  echo %DATE% %TIME% no virtio network adapter found, static IP not applied>>"%LOG%"',
  '  goto netdone',
  ')',
  'ping -n 3 127.0.0.1 >nul',
  'goto findnic',
  ':setip',
  'echo %DATE% %TIME% configuring "%NIC%">>"%LOG%"',
  `netsh interface ipv4 set address name="%NIC%" static ${ip} ${mask} ${gateway} 1>>"%LOG%" 2>&1`,
  ...dns.map((server, index) =>
    index === 0
      ? `netsh interface ipv4 set dnsservers name="%NIC%" static ${server} primary>>"%LOG%" 2>&1`
      : `netsh interface ipv4 add dnsservers name="%NIC%" ${server} index=${index + 1}>>"%LOG%" 2>&1`,
  ),
  ':netdone',
];
const TAIL = [
  '',
  'rem 5. Done: never run again',
  'echo done>"%H2K%\\firstboot.done"',
  ':unregister',
  'reg add "HKLM\\SYSTEM\\Setup" /v SetupType /t REG_DWORD /d 0 /f>>"%LOG%" 2>&1',
  'reg add "HKLM\\SYSTEM\\Setup" /v CmdLine /t REG_SZ /d "" /f>>"%LOG%" 2>&1',
  'echo %DATE% %TIME% hyper2kvm first boot finished>>"%LOG%"',
  'endlocal',
  'exit /b 0',
];
const crlf = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');

describe('windows-firstboot on Windows Server 2022', () => {
  it('writes the ASCII/CRLF script, registers it in HKLM\\SYSTEM\\Setup and uploads the guest agent', async () => {
    const virtioWin = await mkdtemp(join(tmpdir(), 'hyper2kvm-test-'));
    cleanups.push(() => rm(virtioWin, { recursive: true, force: true }));
    await mkdir(join(virtioWin, 'guest-agent'));
    await writeFile(join(virtioWin, 'guest-agent', 'qemu-ga-x86_64.msi'), 'msi');
    const run = await planWithPlugins({
      plugins: [[windowsFirstboot, { virtioWin }]],
      hints: windowsHints('uefi'),
      registry: registryOf(win2022),
      guest: { '/Windows/System32/cmd.exe': 'MZ', '/Program Files/VMware/VMware Tools/vmtoolsd.exe': 'MZ' },
    });
    cleanups.push(run.cleanup);
    const expected = crlf([
      ...HEAD,
      '  pnputil /add-driver "C:\\Windows\\Drivers\\VirtIO\\*.inf" /subdirs /install>>"%LOG%" 2>&1',
      ')',
      '',
      'rem 2. QEMU guest agent',
      'echo %DATE% %TIME% installing the QEMU guest agent>>"%LOG%"',
      'msiexec /i "C:\\Program Files\\hyper2kvm\\qemu-ga.msi" /qn /norestart /l*v "%H2K%\\qemu-ga-install.log"',
      'echo msiexec exit code %ERRORLEVEL%>>"%LOG%"',
      '',
      'rem 3. VMware Tools',
      'echo %DATE% %TIME% MsiExec.exe /X{F32C4E7B-2BF8-4788-8408-824C6896E1BB} /qn /norestart>>"%LOG%"',
      'MsiExec.exe /X{F32C4E7B-2BF8-4788-8408-824C6896E1BB} /qn /norestart>>"%LOG%" 2>&1',
      'echo uninstall exit code %ERRORLEVEL%>>"%LOG%"',
      ...network('{3E1A5C7B-9D2F-4E6A-8B0C-1D3F5A7B9C2E}', '10.20.30.41', '255.255.255.0', '10.20.30.1', ['10.20.30.10', '10.20.30.11']),
      ...TAIL,
    ]);
    const script = run.plan.changes.find((change) => change.kind === 'file.write');
    expect(script).toMatchObject({ path: '/Program Files/hyper2kvm/firstboot.cmd', before: null });
    const bytes = (script as { after: Buffer }).after;
    expect(bytes.toString('latin1')).toBe(expected.toString('latin1'));
    expect(bytes.equals(expected)).toBe(true);
    expect(bytes.every((byte) => byte < 0x80)).toBe(true);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(bytes.toString('latin1').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(run.plan.changes.filter((change) => change.kind !== 'file.write').map((change) => ({ ...change, reason: undefined }))).toEqual([
      {
        kind: 'upload',
        hostPath: join(virtioWin, 'guest-agent', 'qemu-ga-x86_64.msi'),
        guestPath: '/Program Files/hyper2kvm/qemu-ga.msi',
        plugin: '@hyper2kvm/plugin-windows-firstboot',
        reason: undefined,
      },
      { kind: 'dir.create', path: '/Program Files/hyper2kvm', plugin: '@hyper2kvm/plugin-windows-firstboot', reason: undefined },
      {
        kind: 'registry.set',
        hive: 'SYSTEM',
        key: 'Setup',
        name: 'CmdLine',
        value: { type: 'REG_SZ', data: 'cmd.exe /c "C:\\Program Files\\hyper2kvm\\firstboot.cmd"' },
        plugin: '@hyper2kvm/plugin-windows-firstboot',
        reason: undefined,
      },
      {
        kind: 'registry.set',
        hive: 'SYSTEM',
        key: 'Setup',
        name: 'SetupType',
        value: { type: 'REG_DWORD', data: 2 },
        plugin: '@hyper2kvm/plugin-windows-firstboot',
        reason: undefined,
      },
    ]);
    expect(run.plan.findings.map((f) => [f.rule, f.severity])).toEqual([['windows-firstboot', 'info']]);
  });
});

describe('windows-firstboot on Windows 7', () => {
  it('uses pnputil -i -a per INF, no guest agent without a virtio-win tree, and leaves the DHCP adapter out', async () => {
    const run = await planWithPlugins({
      plugins: [[windowsFirstboot, { virtioWin: '/nonexistent/virtio-win' }]],
      hints: windowsHints('bios'),
      registry: registryOf(win7),
      guest: { '/Windows/System32/cmd.exe': 'MZ' },
    });
    cleanups.push(run.cleanup);
    const script = run.plan.changes.find((change) => change.kind === 'file.write') as { after: Buffer };
    expect(
      script.after.equals(
        crlf([
          ...HEAD,
          '  for /r "C:\\Windows\\Drivers\\VirtIO" %%I in (*.inf) do pnputil -i -a "%%I">>"%LOG%" 2>&1',
          ')',
          '',
          'rem 3. VMware Tools',
          'echo %DATE% %TIME% MsiExec.exe /X{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D} /qn /norestart>>"%LOG%"',
          'MsiExec.exe /X{2C1A5B6D-8E3F-4A7C-9D0B-1E2F3A4B5C6D} /qn /norestart>>"%LOG%" 2>&1',
          'echo uninstall exit code %ERRORLEVEL%>>"%LOG%"',
          ...network('{8C2F4A6E-1B3D-4F5A-9C7E-2D4F6A8B0C1E}', '192.168.10.57', '255.255.255.0', '192.168.10.1', ['192.168.10.2']),
          ...TAIL,
        ]),
      ),
    ).toBe(true);
  });
});

describe('windows-firstboot with the virtio-win ISO', () => {
  it("extracts the guest agent for the guest's architecture from the ISO named by the run setting, and releases it at the end of the run", async () => {
    const image = (await ensureImage('virtio-win')) as unknown as { files: { iso: string; tree: string } };
    const run = await planWithPlugins({
      plugins: [windowsFirstboot],
      settings: { virtioWin: image.files.iso },
      hints: windowsHints('uefi'),
      registry: registryOf(win2022),
      guest: { '/Windows/System32/cmd.exe': 'MZ' },
    });
    cleanups.push(run.cleanup);
    const upload = run.plan.changes.find((change) => change.kind === 'upload') as { hostPath: string; guestPath: string };
    expect(upload.guestPath).toBe('/Program Files/hyper2kvm/qemu-ga.msi');
    expect(upload.hostPath.startsWith(image.files.iso)).toBe(false);
    expect(await readFile(upload.hostPath)).toEqual(await readFile(join(image.files.tree, 'guest-agent', 'qemu-ga-x86_64.msi')));
    // The extracted file lives until the run ends (dispose), not a moment longer.
    await run.cleanup();
    expect(existsSync(upload.hostPath)).toBe(false);
  }, 300_000);
});

describe('quietUninstall', () => {
  it('turns an MSI entry into a quiet, no-restart uninstall', () => {
    expect(quietUninstall('MsiExec.exe /I{7B4E2A19-5C3D-4F8E-A1B2-C3D4E5F6A7B8}', undefined)).toBe(
      'MsiExec.exe /X{7B4E2A19-5C3D-4F8E-A1B2-C3D4E5F6A7B8} /qn /norestart',
    );
    expect(quietUninstall('"C:\\x\\setup.exe" /uninstall', undefined)).toBeNull();
    expect(quietUninstall('"C:\\x\\setup.exe"', '"C:\\x\\setup.exe" /S')).toBe('"C:\\x\\setup.exe" /S');
  });
});
