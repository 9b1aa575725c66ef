#!/usr/bin/env bash
# Installs the Debian 12 packages listed in debian-build-deps.txt (uses sudo when not root).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t packages < <(grep -v '^\s*#' "$here/debian-build-deps.txt" | grep -v '^\s*$')
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's alternatives prefer the pthread OpenBLAS when both flavours are installed. Say so;
# changing the system's choice is left to the administrator.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas-pthread*)
    echo "install-deps: note: the active OpenBLAS is the pthread one; LibTorch runs faster with the OpenMP one:" >&2
    for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
      echo "  $sudo update-alternatives --set $lib-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/$lib" >&2
    done ;;
esac
