#!/usr/bin/env bash
# Installs what hyper2kvm needs on a fresh Debian machine, then the npm
# packages, then builds. Idempotent and fast when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  qemu-utils            # qemu-img: probe, overlays, conversion
  qemu-system-x86       # the libguestfs appliance and verify boots
  libguestfs0           # the libguestfs C API (through koffi)
  libguestfs-tools      # guestfish, virt-inspector: test images and debugging
  linux-image-amd64     # the kernel libguestfs builds its appliance from
  libhivex0             # Windows registry hives (through koffi)
  libhivex-bin          # hivexregedit/hivexget: independent read-back in tests
  reglookup             # a second, independent hive parser for tests
  libvirt-clients       # virt-xml-validate
  libvirt0              # the domain schemas virt-xml-validate uses
  libxml2-utils         # xmllint, used by virt-xml-validate
  debootstrap           # bootable Debian test guests
  initramfs-tools-core  # lsinitramfs: checks the bootable guest's initramfs
  dosfstools            # FAT ESPs in test images
  mtools                # filling FAT images without mounting
  fdisk                 # sfdisk for test image partition tables
  e2fsprogs             # mke2fs -d for test images
  xorriso               # ISO images (fake virtio-win)
  genisoimage           # isoinfo/genisoimage for the fake virtio-win ISO
  libguestfs-xfs        # XFS guests (RHEL) in the appliance
  xfsprogs              # XFS file systems in test images
  btrfs-progs           # btrfs in the appliance: the btrfs test guest's subvolumes and snapshots
  rpm                   # an RPM database for the phony RHEL guest
  ntfs-3g               # NTFS for phony Windows guests
  ovmf                  # UEFI firmware for verify boots
  cpio                  # initramfs archives in test images
  zstd                  # reading zstd initramfs images (Debian 12, Fedora)
  xz-utils              # reading xz/lzma initramfs images
  bzip2                 # reading bzip2 initramfs images
  lzop                  # reading lzo initramfs images
  lz4                   # reading lz4 initramfs images
  cryptsetup-bin        # LUKS headers of the encrypted-root test guest
  zip                   # zip OVAs in test images (Info-ZIP writes them in the wild)
  openssl               # OpenSSL 3 manifest lines and a signed OVA in test images
)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.setup-lock-hash
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi

# Nx caches builds: a no-op when nothing changed.
npx nx run-many -t build --outputStyle=static --skipNxCache=false >/dev/null || npx nx run-many -t build --outputStyle=static
echo "setup: ready"
