#!/usr/bin/env bash
# Unpacks Debian's libopenblas0-openmp (the OpenMP build of OpenBLAS) into bench/.cache/openblas,
# without installing it, so the system's libblas.so.3 alternative stays as it is. bench/peers/torch.ts
# puts .../openblas-openmp first on LD_LIBRARY_PATH for PyTorch.
#
# Why the OpenMP build: Debian's python3-torch links the reference BLAS (about 6 GFLOP/s); the
# pthread OpenBLAS fights PyTorch's own OpenMP threads. See shared/bench-spec.md.
#
# Needs apt-get (Debian). Runs `apt-get update` first only when the download fails and we are root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/.cache"
mkdir -p "$cache/deb"
cd "$cache/deb"

if ! ls libopenblas0-openmp_*.deb >/dev/null 2>&1; then
  if ! apt-get download libopenblas0-openmp 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      apt-get download libopenblas0-openmp
    else
      echo "setup-openblas: 'apt-get download libopenblas0-openmp' failed (try: sudo apt-get update)" >&2
      exit 1
    fi
  fi
fi

deb="$(ls -t libopenblas0-openmp_*.deb | head -n1)"
rm -rf "$cache/openblas"
dpkg -x "$deb" "$cache/openblas"
dir="$(dirname "$(find "$cache/openblas" -name libblas.so.3 -path '*openblas-openmp*' | head -n1)")"
echo "setup-openblas: unpacked $deb into $dir" >&2

# Its run-time dependencies come from the system; say if one is missing.
for lib in libgomp.so.1 libgfortran.so.5; do
  if ! ldconfig -p | grep -q "$lib"; then
    echo "setup-openblas: $lib is missing: apt-get install ${lib%%.so*}$( [ "$lib" = libgomp.so.1 ] && echo 1 || echo 5)" >&2
  fi
done
