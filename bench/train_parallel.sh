#!/usr/bin/env bash
# Data-parallel training on this machine, side by side in one run: the same `brivl train` (the
# default model's config, shapes data) as 1 process x T threads and as N processes x T/N threads
# (`--nproc-per-node N`), reporting samples/s, step time and the share of each step spent waiting
# for the gradient all-reduce (metrics.jsonl's comm_wait_ms), then — with --recall — a longer run
# of each to compare retrieval recall (R@1 on the run's own held-out images; a second one-process
# seed gives the noise). Not part of ctest.
#
#   bench/train_parallel.sh [--build DIR] [--out DIR] [--processes N] [--threads T]
#                           [--steps-epochs E] [--recall EPOCHS]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$here/build"
out="/tmp/brivl-train-parallel"
processes=2
threads=$(nproc)
speed_epochs=1
recall_epochs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --processes) processes="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps-epochs) speed_epochs="$2"; shift 2 ;;
    --recall) recall_epochs="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "train_parallel.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
brivl="$build/app/brivl"
[ -x "$brivl" ] || { echo "train_parallel.sh: $brivl not built (cmake --build build --target brivl)" >&2; exit 2; }
per=$(( threads / processes )); [ "$per" -ge 1 ] || per=1
mkdir -p "$out"
[ -f "$out/shapes/captions.csv" ] || "$brivl" dataset shapes --out "$out/shapes" --count 1200 --seed 7 >/dev/null 2>&1

echo "# $(date -u +%FT%TZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs"
echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}  $("$brivl" --version)"

# One measured run: prints "samples/s step_ms comm_wait_ms" over its train lines after the first 3.
measure() {
  local run="$1"; shift
  rm -rf "$run"
  "$@" >/dev/null 2>"$run.log" || { echo "failed: $* (see $run.log)" >&2; exit 1; }
  python3 - "$run/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
train = [r for r in rows if r["type"] == "train"][3:]
mean = lambda k: sum(r.get(k, 0.0) for r in train) / max(1, len(train))
print(f"{mean('samples_per_s'):.1f} {mean('step_ms'):.0f} {mean('comm_wait_ms'):.1f} {len(train)}")
PY
}

common=(train --data "$out/shapes/captions.csv" --batch 32 --workers 1 --log-every 1 --eval-every 100000 --val-split 0.1)
printf '%-28s %10s %9s %13s %6s\n' "layout" "samples/s" "step ms" "all-reduce ms" "steps"
read -r s1 m1 c1 n1 < <(measure "$out/one" "$brivl" "${common[@]}" --out "$out/one" --epochs "$speed_epochs" --threads "$threads")
printf '%-28s %10s %9s %13s %6s\n' "1 process x $threads threads" "$s1" "$m1" "-" "$n1"
read -r s2 m2 c2 n2 < <(BRIVL_THREADS=$per measure "$out/many" "$brivl" "${common[@]}" --out "$out/many" --epochs "$speed_epochs" --nproc-per-node "$processes")
printf '%-28s %10s %9s %13s %6s\n' "$processes processes x $per threads" "$s2" "$m2" "$c2" "$n2"
python3 -c "print(f'ratio (processes / one): {float(\"$s2\") / float(\"$s1\"):.2f}x samples/s; all-reduce wait {100 * float(\"$c2\") / float(\"$m2\"):.1f} % of a step')"

if [ "$recall_epochs" -gt 0 ]; then
  echo "# recall after $recall_epochs epochs: best R@1 text->image / image->text on the run's held-out images"
  recall() {
    python3 - "$1/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
e = s["best_eval"]
print(f"{e['t2i']['r1']:.3f} / {e['i2t']['r1']:.3f}  (best at step {s['best_step']}, {s['elapsed_s'] / 60:.1f} min)")
PY
  }
  rcommon=(train --data "$out/shapes/captions.csv" --batch 32 --workers 1 --epochs "$recall_epochs")
  for seed in 0 1; do
    rm -rf "$out/r-one-$seed"
    "$brivl" "${rcommon[@]}" --out "$out/r-one-$seed" --threads "$threads" --seed "$seed" >/dev/null 2>"$out/r-one-$seed.log"
    printf '%-28s %s\n' "1 process, seed $seed" "$(recall "$out/r-one-$seed")"
  done
  rm -rf "$out/r-many-0"
  BRIVL_THREADS=$per "$brivl" "${rcommon[@]}" --out "$out/r-many-0" --seed 0 --nproc-per-node "$processes" >/dev/null 2>"$out/r-many-0.log"
  printf '%-28s %s\n' "$processes processes, seed 0" "$(recall "$out/r-many-0")"
fi
