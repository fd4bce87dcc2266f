// The windows-2022 guest (same disk, files and hives, see windows-2022.mjs)
// whose ESP lacks the fallback loader \EFI\BOOT\BOOTX64.EFI: only
// \EFI\Microsoft\Boot\bootmgfw.efi is there, as after a `bcdboot` that did
// not write the removable-media path, or an ESP copied by hand. With no NVRAM
// boot entry on the new host, OVMF finds nothing to boot until the fallback
// loader is put back.
import win2022 from './windows-2022.mjs';

const { '/EFI/Boot/bootx64.efi': _fallback, ...espFiles } = win2022.volumes.esp.files;

export default {
  ...win2022,
  name: 'windows-2022-no-fallback',
  description: 'Windows Server 2022 Standard on VMware, UEFI/GPT, with no \\EFI\\BOOT\\BOOTX64.EFI on the ESP',
  volumes: {
    ...win2022.volumes,
    esp: { ...win2022.volumes.esp, files: espFiles },
  },
};
