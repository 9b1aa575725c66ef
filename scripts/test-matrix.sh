#!/usr/bin/env bash
# Runs the test suite (or part of it) under the BLAS and CPU conditions this machine can emulate,
# one after another, and prints a table of what passed. Issue 15: the README's test command must
# pass whatever the CPU; a test that passes only with one BLAS kernel is a defect.
#
#   scripts/test-matrix.sh [--build DIR] [--tests REGEX] [--only NAME[,NAME...]] [--jobs N]
#
# Conditions (each a fresh process environment; nothing on the machine is changed):
#   default       the machine as it is (Debian's openblas-openmp, OPENBLAS_CORETYPE as set)
#   detect        OPENBLAS_CORETYPE unset: the kernel OpenBLAS detects for this CPU (as on a fresh machine)
#   prescott      OPENBLAS_CORETYPE=Prescott: OpenBLAS's generic SSE3 kernels (any x86-64 CPU)
#   haswell       OPENBLAS_CORETYPE=Haswell: AVX2 kernels
#   skylakex      OPENBLAS_CORETYPE=SkylakeX: AVX-512 kernels (skipped where the CPU lacks avx512f)
#   zen           OPENBLAS_CORETYPE=Zen
#   threads1      one thread everywhere (OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1)
#   pthread       Debian's pthread flavour of OpenBLAS (libopenblas0-pthread, fetched with
#                 `apt-get download` into the cache folder and put first on LD_LIBRARY_PATH)
#   reference     the reference (netlib) BLAS of libblas3 for libblas.so.3, where installed
# The table shows the OpenBLAS kernel each condition got (OPENBLAS_VERBOSE=2 on `brivl --version`).
set -uo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
build="$here/build"
tests=""
only=""
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "test-matrix: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$build/CTestTestfile.cmake" ] || { echo "test-matrix: $build is not a configured build folder (run the README's test command first)" >&2; exit 2; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/brivl-test-matrix"
libdir=/usr/lib/x86_64-linux-gnu
logs="$build/test-matrix"
mkdir -p "$cache" "$logs"

# The pthread flavour, unpacked (not installed) from Debian's package.
pthread_dir() {
  local dir="$cache/openblas-pthread"
  if [ ! -f "$dir/libopenblas.so.0" ]; then
    (cd "$cache" && rm -f libopenblas0-pthread_*.deb && apt-get download libopenblas0-pthread >/dev/null 2>&1) || return 1
    rm -rf "$cache/unpacked" && dpkg-deb -x "$cache"/libopenblas0-pthread_*.deb "$cache/unpacked" || return 1
    mkdir -p "$dir" && cp -L "$cache/unpacked$libdir/openblas-pthread/"*.so* "$dir/" || return 1
  fi
  echo "$dir"
}

# Prints the environment assignments of a condition, or "skip: why".
condition_env() {
  case "$1" in
    default) echo "" ;;
    detect) echo "-u OPENBLAS_CORETYPE" ;;
    prescott) echo "OPENBLAS_CORETYPE=Prescott" ;;
    haswell) echo "OPENBLAS_CORETYPE=Haswell" ;;
    skylakex) grep -qw avx512f /proc/cpuinfo && echo "OPENBLAS_CORETYPE=SkylakeX" || echo "skip: no avx512f on this CPU" ;;
    zen) echo "OPENBLAS_CORETYPE=Zen" ;;
    threads1) echo "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1" ;;
    pthread)
      local dir
      dir="$(pthread_dir)" && echo "LD_LIBRARY_PATH=$dir" || echo "skip: could not fetch libopenblas0-pthread with apt-get download"
      ;;
    reference)
      [ -f "$libdir/blas/libblas.so.3" ] && echo "LD_LIBRARY_PATH=$libdir/blas" || echo "skip: libblas3 (reference BLAS) not installed"
      ;;
    *) echo "skip: unknown condition" ;;
  esac
}

all="default detect prescott haswell skylakex zen threads1 pthread reference"
names="${only//,/ }"
names="${names:-$all}"
printf '%-10s %-8s %-8s %s\n' condition result tests "kernel / failures"
status=0
for name in $names; do
  env_line="$(condition_env "$name")"
  if [ "${env_line#skip:}" != "$env_line" ]; then
    printf '%-10s %-8s %-8s %s\n' "$name" skipped - "${env_line#skip: }"
    continue
  fi
  log="$logs/$name.log"
  # shellcheck disable=SC2086
  (cd "$build" && env $env_line ctest -j "$jobs" --output-on-failure ${tests:+-R "$tests"} >"$log" 2>&1)
  rc=$?
  # shellcheck disable=SC2086
  kernel="$(env $env_line OPENBLAS_VERBOSE=2 "$build/app/brivl" --version 2>&1 | grep -m1 -o 'Core: [A-Za-z0-9]*' | sed 's/Core: //')"
  summary="$(grep -Eo '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)"
  total="$(echo "$summary" | grep -Eo '[0-9]+$')"
  failed="$(sed -n 's/^ *[0-9]* - \(.*\) (Failed).*/\1/p' "$log" | tr '\n' ' ')"
  if [ $rc -eq 0 ]; then result=pass; else result=FAIL; status=1; fi
  printf '%-10s %-8s %-8s %s\n' "$name" "$result" "${total:-?}" "${kernel:-?}${failed:+ / $failed}"
done
echo "logs in $logs"
exit $status
