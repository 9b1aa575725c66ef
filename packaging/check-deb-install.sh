#!/usr/bin/env bash
# Installs the studio's .deb with apt into a fresh Debian 12 (debootstrap, minbase) and runs it
# there: `brivl imagine` with the embedded default model, and the studio offscreen through its
# screenshot tour in Chinese (the pictures land in OUT for a look: Chinese text must not be boxes).
# Needs root, network and debootstrap; not part of CI (minutes, ~1 GB of packages).
#   packaging/check-deb-install.sh build/brivl-studio_0.1.0_amd64.deb [ROOT] [OUT]
set -euo pipefail
deb=$(realpath "${1:?usage: $0 PACKAGE.deb [ROOT] [OUT]}")
root=${2:-/tmp/brivl-deb-check}
out=${3:-$root-shots}
[ "$(id -u)" = 0 ] || { echo "$0: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "$0: needs debootstrap (apt install debootstrap)" >&2; exit 1; }
if [ ! -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
cp "$deb" "$root/root/"
chroot "$root" /bin/bash -euc "
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall --no-install-recommends /root/$(basename "$deb")
  cd /tmp
  brivl --version
  brivl imagine 红色的圆 -o /tmp/red.png --steps 5 --size 64
  rm -rf /tmp/shots
  QT_QPA_PLATFORM=offscreen timeout 300 brivl-studio --lang zh_CN --screenshot /tmp/shots --screenshot-prompt 红色的圆 \
      --screenshot-images /usr/share/brivl
  fc-list :lang=zh family | head -1 | grep -q . || { echo 'no font with Chinese glyphs installed' >&2; exit 1; }
"
mkdir -p "$out"
cp "$root"/tmp/shots/*.png "$out/"
echo "installed and ran; screenshots in $out"
