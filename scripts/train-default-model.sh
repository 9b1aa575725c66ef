#!/usr/bin/env bash
# Rebuilds models/brivl-emoji-small from scratch: the emoji and shapes data, then the two
# training stages recorded in its MODEL_CARD.md. Usage: scripts/train-default-model.sh WORK_DIR
# (needs a built brivl in build/app, node/npm and rsvg-convert; ~1 hour on 2 CPU cores).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
brivl="${BRIVL:-$here/build/app/brivl}"
work="${1:?usage: $0 WORK_DIR}"
mkdir -p "$work/train-data"
work="$(cd "$work" && pwd)"
config="$here/models/brivl-emoji-small/config.yml"
vocab="$here/models/brivl-emoji-small/vocab.txt"

# 1. Data. The relative layout matters: the validation split hashes image paths relative to the
#    data file, so this reproduces the card's split exactly.
[ -f "$work/emoji-data/captions.csv" ] || "$here/scripts/emoji-dataset/build.sh" "$work/emoji-data" --size 128
[ -f "$work/train-data/shapes/captions.csv" ] || "$brivl" dataset shapes --out "$work/train-data/shapes" --count 1200 --seed 7
{
  echo "image,text"
  tail -n +2 "$work/emoji-data/captions.csv" | sed 's|^|../emoji-data/|'
  tail -n +2 "$work/train-data/shapes/captions.csv" | sed 's|^|shapes/|'
} > "$work/train-data/emoji-shapes.csv"

# 2. Stage 1 from scratch, stage 2 from stage 1's weights at half the learning rate.
"$brivl" train --data "$work/train-data/emoji-shapes.csv" --out "$work/stage1" --config "$config" --vocab "$vocab" --epochs 30
"$brivl" train --data "$work/train-data/emoji-shapes.csv" --out "$work/stage2" --config "$config" --vocab "$vocab" \
  --epochs 30 --lr 5e-4 --init "$work/stage1/checkpoints/step-00002670.pth"

# 3. The bundle's checkpoint is stage 2's best.
best="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['best_checkpoint'])" "$work/stage2/status.json")"
cp "$work/stage2/$best" "$here/models/brivl-emoji-small/checkpoint.pth"
"$brivl" eval --model "$here/models/brivl-emoji-small" --data "$work/stage2/validation.csv"
