#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, coverage instrumentation, ASan + UBSan) and runs
# each for a while from a copy of its committed seed corpus (fuzz/corpus/NAME), then prints one
# line per target: inputs run, coverage, corpus size, and any finding (a crash, an uncaught
# exception other than brivl::Error, a leak, undefined behaviour), kept under BUILD/fuzz-findings.
#
#   scripts/fuzz.sh [--seconds N] [--build DIR] [NAME ...]     (default: 600 s each, all targets)
#
# Needs clang and libFuzzer: apt-get install clang libfuzzer-14-dev. Exit status 1 on any finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=600
build="$root/build-fuzz"
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libfuzzer-14-dev)" >&2; exit 2; }
if [ ${#names[@]} -eq 0 ]; then
  for dir in "$root"/fuzz/corpus/*/; do names+=("$(basename "$dir")"); done
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRIVL_FUZZ=ON -DBRIVL_BUILD_STUDIO=OFF -DBRIVL_WITH_VIEWER=OFF \
  -DBRIVL_BUILD_BENCH=OFF -DBRIVL_BUILD_TESTS=OFF -DBRIVL_USE_PCH=OFF >/dev/null
cmake --build "$build" --target fuzz_all
# The readers that need LibTorch (fuzz/CMakeLists.txt: BRIVL_FUZZ_TORCH_TARGETS) only when asked
# for, by name or by running all: they instrument the whole torch part of the core.
for name in "${names[@]}"; do
  if [ "$name" = checkpoint ]; then cmake --build "$build" --target fuzz_torch; break; fi
done

failed=0
# Leaks inside LibTorch itself are not findings of ours (fuzz/lsan.supp says which and why).
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for name in "${names[@]}"; do
  binary="$build/fuzz/fuzz_$name"
  [ -x "$binary" ] || { echo "fuzz.sh: no target '$name' (fuzz/corpus/$name without fuzz/fuzz_$name.cpp?)" >&2; exit 2; }
  work="$build/fuzz-work/$name" findings="$build/fuzz-findings/$name" log="$build/fuzz-work/$name.log"
  mkdir -p "$work" "$findings"
  cp -n "$root/fuzz/corpus/$name"/* "$work"/ 2>/dev/null || true
  status=ok
  # -timeout: one input taking 10 s is a finding (a hang); seeds are read first, then mutated.
  if ! "$binary" "$work" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$findings/" >"$log" 2>&1; then
    status="FINDING: $(ls -t "$findings" | head -1) (log: $log)"
    failed=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || echo "cov: ?")
  printf '%-18s %10s inputs in %ss, %s, corpus %s files: %s\n' "$name" "$runs" "$seconds" "$cov" \
    "$(ls "$work" | wc -l)" "$status"
done
exit $failed
