#!/usr/bin/env bash
# Installs the Debian 12 packages neuhom needs to build, test and plot, and
# points libblas.so.3 / liblapack.so.3 at OpenBLAS (OpenMP build). Idempotent:
# packages already present are not touched, and nothing runs apt-get when all
# of them are there.
set -euo pipefail

packages=(
  # compilers and build tools
  cmake g++ make ccache
  # deal.II 9.4 (pulls Trilinos, p4est, PETSc, OpenMPI, Boost, muParser)
  libdeal.ii-dev libsuitesparse-dev openmpi-bin numdiff perl
  # LibTorch 1.13 (CPU)
  libtorch-dev
  # an optimized BLAS: Debian's LibTorch and deal.II's LAPACK otherwise run on
  # the reference BLAS (measured 11x slower for a PINN training step)
  libopenblas0-openmp
  # summary.json writer, unit tests
  nlohmann-json3-dev libgtest-dev
  # figures and reference scripts in contrib/
  python3 python3-numpy python3-matplotlib
  # TorchScript export (tests/nn) and the PyTorch reference benchmark
  python3-torch
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-dependencies: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-dependencies: all ${#packages[@]} packages present"
fi

# Make sure the BLAS/LAPACK alternatives point at OpenBLAS (OpenMP variant), not
# the reference implementation, whatever was installed before.
arch_dir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
  target=$(update-alternatives --list "${lib}-${arch_dir##*/}" 2>/dev/null | grep openblas-openmp | head -n 1 || true)
  if [ -n "$target" ]; then
    $SUDO update-alternatives --quiet --set "${lib}-${arch_dir##*/}" "$target"
  fi
done
echo "install-dependencies: BLAS is $(readlink -f "$arch_dir/libblas.so.3")"
