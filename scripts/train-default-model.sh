#!/usr/bin/env bash
# Rebuilds models/brivl-emoji-small from scratch: the emoji and shapes data, then the eleven
# training stages recorded in its MODEL_CARD.md. Usage: scripts/train-default-model.sh WORK_DIR
# (needs a built brivl in build/app, node/npm and rsvg-convert; ~8 hours on 2 CPU cores).
# Stages 3-11 stop on the clock (--max-minutes) as they did for the card, so on another machine
# they stop at other steps: the same recipe, not the same bytes.
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

# 3. Adversarial training (CLIPAG-style, 8/255, PGD-2) from stage 2's best, with a 500-step ramp,
#    then on shapes on varied grounds too; each continues from the previous stage's best.
best() { echo "$work/$1/$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['best_checkpoint'])" "$work/$1/status.json")"; }
last() { echo "$work/$1/$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['last_checkpoint'])" "$work/$1/status.json")"; }
train() { "$brivl" train --config "$config" --vocab "$vocab" --epochs 100 "$@"; }
[ -f "$work/train-data/shapes-varied/captions.csv" ] ||
  "$brivl" dataset shapes --out "$work/train-data/shapes-varied" --count 1200 --seed 8 --background varied
[ -f "$work/train-data/shapes-spread/captions.csv" ] ||
  "$brivl" dataset shapes --out "$work/train-data/shapes-spread" --count 1200 --seed 11 --background varied --colours spread
{
  cat "$work/train-data/emoji-shapes.csv"
  tail -n +2 "$work/train-data/shapes-varied/captions.csv" | sed 's|^|shapes-varied/|'
} > "$work/train-data/emoji-shapes-varied.csv"
{
  echo "image,text"
  tail -n +2 "$work/emoji-data/captions.csv" | sed 's|^|../emoji-data/|'
  tail -n +2 "$work/train-data/shapes-varied/captions.csv" | sed 's|^|shapes-varied/|'
  tail -n +2 "$work/train-data/shapes-spread/captions.csv" | sed 's|^|shapes-spread/|'
} > "$work/train-data/emoji-shapes-spread.csv"
d="$work/train-data"
train --data "$d/emoji-shapes.csv" --out "$work/adv-e8-long" --init "$(best stage2)" \
  --lr 5e-4 --warmup 50 --adversarial 8/255 --pgd-steps 2 --adv-ramp 500 --max-minutes 40
train --data "$d/emoji-shapes-varied.csv" --out "$work/adv-e8-varied" --init "$(best adv-e8-long)" \
  --lr 3e-4 --warmup 20 --adversarial 8/255 --pgd-steps 2 --adv-ramp 0 --max-minutes 30
# 4. Hard-negative batches (groups of 4, then 8, captions one word apart), still adversarial.
train --data "$d/emoji-shapes-varied.csv" --out "$work/hn-e8" --init "$(best adv-e8-varied)" \
  --lr 3e-4 --warmup 20 --adversarial 8/255 --pgd-steps 2 --adv-ramp 0 --hard-negatives 4 --max-minutes 45
train --data "$d/emoji-shapes-varied.csv" --out "$work/hn2" --init "$(last hn-e8)" \
  --lr 3e-4 --warmup 20 --adversarial 8/255 --pgd-steps 2 --adv-ramp 0 --hard-negatives 8 --max-minutes 35
# 5. Clean (non-adversarial) hard negatives at a lower rate, twice; then shapes in spread colours.
train --data "$d/emoji-shapes-varied.csv" --out "$work/hn2-clean" --init "$(last hn2)" \
  --lr 1e-4 --warmup 20 --hard-negatives 8 --max-minutes 35
train --data "$d/emoji-shapes-varied.csv" --out "$work/hn2-clean2" --init "$(last hn2-clean)" \
  --lr 1e-4 --warmup 20 --hard-negatives 8 --max-minutes 42
train --data "$d/emoji-shapes-spread.csv" --out "$work/spread1" --init "$(last hn2-clean2)" \
  --lr 1e-4 --warmup 20 --hard-negatives 8 --max-minutes 50
"$brivl" train --resume "$work/spread1" --max-minutes 20   # the card's run was cut by the clock; this anneals it
# 6. Twelve named colours: yellow told from orange and cyan by name.
[ -f "$work/train-data/shapes-more/captions.csv" ] ||
  "$brivl" dataset shapes --out "$work/train-data/shapes-more" --count 1500 --seed 13 --background varied --colours more
{
  cat "$work/train-data/emoji-shapes-spread.csv"
  tail -n +2 "$work/train-data/shapes-more/captions.csv" | sed 's|^|shapes-more/|'
} > "$work/train-data/emoji-shapes-more.csv"
train --data "$d/emoji-shapes-more.csv" --out "$work/more1" --init "$(last spread1)" \
  --lr 1e-4 --warmup 20 --hard-negatives 8 --max-minutes 55
"$brivl" train --resume "$work/more1" --max-minutes 9   # cut by the clock as well; this anneals it

# 7. Each emoji by its name alone: the first caption of each image is its CLDR label (红心, 猫);
#    the keywords after it are shared by many emoji (脸 by about a hundred) and kept the model from
#    ranking its own emoji first (docs/IMAGINE_QUALITY.md, fifteenth round). All three shapes sets stay.
awk -F, '!seen[$1]++' "$work/train-data/emoji-shapes-more.csv" > "$work/train-data/emoji-names-shapes-more.csv"
train --data "$d/emoji-names-shapes-more.csv" --out "$work/names2" --init "$(last more1)" \
  --lr 3e-4 --warmup 20 --hard-negatives 8 --max-minutes 30

# 8. The bundle's checkpoint is the last stage's last.
cp "$(last names2)" "$here/models/brivl-emoji-small/checkpoint.pth"
"$brivl" eval --model "$here/models/brivl-emoji-small" --data "$work/names2/validation.csv"
