/**
 * The first-boot batch file: plain ASCII, CRLF line endings, no BOM, so
 * cmd.exe runs it on every Windows version.
 */
import type { StaticInterface } from './network.js';

export interface FirstbootScript {
  /** Windows folder of this script and its log, e.g. `C:\Program Files\hyper2kvm`. */
  folder: string;
  /** Folder of the staged driver packages (Windows path). */
  driverDir: string;
  /** `pnputil /add-driver` (Windows 10 and later) or `pnputil -i -a` (before). */
  modernPnputil: boolean;
  /** Windows path of the QEMU guest agent MSI, when one was uploaded. */
  guestAgentMsi?: string;
  /** Quiet VMware Tools uninstall commands. */
  uninstall: string[];
  /** Static configuration to put on the virtio network adapter. */
  network?: StaticInterface;
}

/** Only ASCII goes into the script; a path with other characters would need an OEM code page. */
function ascii(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`not representable in a cmd.exe script: ${JSON.stringify(text)}`);
  return text;
}

export function firstbootScript(s: FirstbootScript): Buffer {
  const lines: string[] = [
    '@echo off',
    'rem hyper2kvm first boot: runs once as SYSTEM before logon (HKLM\\SYSTEM\\Setup CmdLine, SetupType 2).',
    'setlocal EnableExtensions',
    `set "H2K=${ascii(s.folder)}"`,
    'set "LOG=%H2K%\\firstboot.log"',
    'if exist "%H2K%\\firstboot.done" goto unregister',
    'echo %DATE% %TIME% hyper2kvm first boot started>>"%LOG%"',
    '',
    'rem 1. Drivers staged by hyper2kvm',
    `if exist "${ascii(s.driverDir)}" (`,
    `  echo %DATE% %TIME% installing drivers from ${s.driverDir}>>"%LOG%"`,
    s.modernPnputil
      ? `  pnputil /add-driver "${s.driverDir}\\*.inf" /subdirs /install>>"%LOG%" 2>&1`
      : `  for /r "${s.driverDir}" %%I in (*.inf) do pnputil -i -a "%%I">>"%LOG%" 2>&1`,
    ')',
  ];
  if (s.guestAgentMsi) {
    lines.push(
      '',
      'rem 2. QEMU guest agent',
      `echo %DATE% %TIME% installing the QEMU guest agent>>"%LOG%"`,
      `msiexec /i "${ascii(s.guestAgentMsi)}" /qn /norestart /l*v "%H2K%\\qemu-ga-install.log"`,
      `echo msiexec exit code %ERRORLEVEL%>>"%LOG%"`,
    );
  }
  for (const command of s.uninstall) {
    lines.push(
      '',
      'rem 3. VMware Tools',
      `echo %DATE% %TIME% ${ascii(command)}>>"%LOG%"`,
      `${command}>>"%LOG%" 2>&1`,
      `echo uninstall exit code %ERRORLEVEL%>>"%LOG%"`,
    );
  }
  if (s.network) {
    const [first, ...more] = s.network.addresses;
    const gateway = s.network.gateways[0];
    lines.push(
      '',
      `rem 4. Static IPv4 of the old adapter ${ascii(s.network.guid)}, put on the virtio adapter (PCI VEN_1AF4)`,
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
      `netsh interface ipv4 set address name="%NIC%" static ${first?.ip} ${first?.mask}${gateway ? ` ${gateway} 1` : ''}>>"%LOG%" 2>&1`,
      ...more.map((address) => `netsh interface ipv4 add address name="%NIC%" ${address.ip} ${address.mask}>>"%LOG%" 2>&1`),
      ...s.network.gateways.slice(1).map((ip) => `netsh interface ipv4 add route 0.0.0.0/0 "%NIC%" ${ip}>>"%LOG%" 2>&1`),
      ...s.network.dns.map((ip, index) =>
        index === 0
          ? `netsh interface ipv4 set dnsservers name="%NIC%" static ${ip} primary>>"%LOG%" 2>&1`
          : `netsh interface ipv4 add dnsservers name="%NIC%" ${ip} index=${index + 1}>>"%LOG%" 2>&1`,
      ),
      ':netdone',
    );
  }
  lines.push(
    '',
    'rem 5. Done: never run again',
    'echo done>"%H2K%\\firstboot.done"',
    ':unregister',
    'reg add "HKLM\\SYSTEM\\Setup" /v SetupType /t REG_DWORD /d 0 /f>>"%LOG%" 2>&1',
    'reg add "HKLM\\SYSTEM\\Setup" /v CmdLine /t REG_SZ /d "" /f>>"%LOG%" 2>&1',
    'echo %DATE% %TIME% hyper2kvm first boot finished>>"%LOG%"',
    'endlocal',
    'exit /b 0',
  );
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
