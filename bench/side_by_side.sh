#!/usr/bin/env bash
# Side-by-side speed of this port and the official brivl-nmi pipeline, in one run on one machine
# under one environment: the official harness (../shared/official/bench_official.py suite) runs
# each standard measurement with the official Python code, then ours (bench_embed / bench_imagine
# --json) on the same model files, inputs, batch, cutouts and thread count, and prints the table
# with the ratio (port / official; > 1 = the port is faster). Then the same port commands once
# more in bf16 (oneDNN on CPUs with AVX512-BF16 / AMX) and the embedding ones in int8 (the text
# tower's linear layers in dynamic int8), each beside the same official row.
# Not part of ctest: it needs the official sources and Debian's python3-torch (see --help).
#
#   bench/side_by_side.sh [--official DIR] [--build DIR] [--out DIR] [--b5] [--no-bf16] [--no-int8] [--only RUN]...
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
official="$here/../shared/official"
build="$here/build"
out="/tmp/brivl-side-by-side"
b5=0
bf16=1
int8=1
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --official) official="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --b5) b5=1; shift ;;
    --no-bf16) bf16=0; shift ;;
    --no-int8) int8=0; shift ;;
    --only) only+=(--only "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; cat <<'H'

Needs, once per machine (../shared/official/README.md):
  1. the official sources fetched and unpacked: bash ../shared/official/setup_sources.sh
  2. apt-get install python3-torch python3-torchvision python3-yaml python3-easydict python3-pil
     python3-numpy python3-regex python3-filelock python3-tqdm python3-packaging python3-requests
     python3-importlib-metadata
  3. the benches built: cmake --build build --target bench_embed bench_imagine
--b5 also measures the released B5@456 + RoBERTa-base layout (a random 2.2 GB bundle is written
to OUT/b5-bundle first; the official side needs ~5 GB of memory). The run names for --only are
the harness's: tiny-embed-t1, tiny-imagine-c8-t2, base-embed-t2, ...
H
      exit 0 ;;
    *) echo "side_by_side.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

py=/usr/bin/python3
harness="$official/bench_official.py"
problems=()
[ -f "$harness" ] || problems+=("no official harness at $harness (--official DIR)")
"$py" -c 'import torch, yaml, easydict, PIL' 2>/dev/null || problems+=("Debian's python3-torch and friends are not installed (see --help)")
[ -d /tmp/brivl-ref/brivl-nmi ] || problems+=("the official sources are not unpacked: bash $official/setup_sources.sh")
for b in bench_embed bench_imagine; do
  [ -x "$build/bench/$b" ] || problems+=("$build/bench/$b is missing: cmake --build $build --target $b")
done
if [ ${#problems[@]} -gt 0 ]; then
  echo "side_by_side.sh: cannot run the official side by side with ours:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  exit 2
fi

export LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1
mkdir -p "$out"
base=()
if [ "$b5" = 1 ]; then
  "$build/bench/bench_embed" --layout b5 --bundle-dir "$out/b5-bundle" --bundle-only 1
  base=(--base "$out/b5-bundle")
fi
# The official harness embeds its built-in captions and generated JPEGs (written by its run, which
# comes first) when a bundle has no texts.txt / images/: ours is given the very same inputs.
"$py" -c "import sys; sys.path.insert(0, '$official'); import bench_official as b; print('\n'.join(b.DEFAULT_TEXTS))" \
  > "$out/default_texts.txt"

embed="$build/bench/bench_embed --json 1 --bundle {model} --images {images} --texts {texts} --batch {batch} --threads {threads} --default-images /tmp/bench-official/gen-images --default-texts $out/default_texts.txt"
imagine="$build/bench/bench_imagine --json 1 --bundle {model} --steps {steps} --cutouts {cutouts} --size {size} --threads {threads}"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) CPUs"
  env | grep -E '^(OMP_|OPENBLAS_|MKL_|ONEDNN_|DNNL_|BRIVL_)' | sort || true
} > "$out/environment.txt"
"$py" "$harness" suite --out "$out" "${base[@]}" "${only[@]}" --cxx-embed "$embed" --cxx-imagine "$imagine" > "$out/table-fp32.md"

dtypes=()
[ "$bf16" = 1 ] && dtypes+=(bf16)
[ "$int8" = 1 ] && dtypes+=(int8)
if [ ${#dtypes[@]} -gt 0 ]; then
  # Each port command again with --dtype bf16 (int8: the embedding runs; it changes only the text
  # tower), beside the official row it was measured against.
  "$py" - "$official" "$out" "${dtypes[@]}" <<'P'
import json, os, shlex, subprocess, sys
sys.path.insert(0, sys.argv[1])
import bench_official as b
out = sys.argv[2]
rows = [json.loads(x) for x in open(os.path.join(out, "results.jsonl"), encoding="utf-8") if x.strip()]
official = {r["run"]: r for r in rows if not str(r.get("impl", "")).startswith("port")}
extra = []
for dtype in sys.argv[3:]:
  for r in rows:
    if not str(r.get("impl", "")).startswith("port") or "command" not in r:
        continue
    if dtype == "int8" and "-embed-" not in r["run"]:
        continue
    cmd = shlex.split(r["command"]) + ["--dtype", dtype]
    port = b._run_logged(cmd, out, r["run"] + ".cxx-" + dtype, 1800)
    port["impl"] = "port (%s)" % port.get("impl", "cxx")
    port["run"] = r["run"]
    port["vs_official"] = b.speedups(official[r["run"]], port)
    extra.append(port)
with open(os.path.join(out, "results.jsonl"), "a", encoding="utf-8") as f:
    for r in extra:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
P
fi
"$py" "$harness" table "$out/results.jsonl" | tee "$out/table.md"
echo "environment: $out/environment.txt; raw outputs and logs: $out" >&2
