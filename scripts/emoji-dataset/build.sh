#!/usr/bin/env bash
# Builds a Chinese image–text data set of emoji from scratch: OpenMoji colour SVGs rendered to
# PNG, captioned with the Chinese labels and tags of emojibase-data. See README.md.
#
#   scripts/emoji-dataset/build.sh OUT_DIR [--size PX] [--jobs N]
#                                  [--openmoji-version V] [--emojibase-version V]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Pinned so that a rebuild gives identical files; 17.0.0 is the newest 17.x of both (checked
# with `npm view <pkg> versions`). A range ("17") also works: its newest match is used.
OPENMOJI_VERSION="17.0.0"
EMOJIBASE_VERSION="17.0.0"
SIZE=128
JOBS=2
OUT_DIR=""

usage() {
  cat <<EOF
Usage: $(basename "$0") OUT_DIR [--size PX] [--jobs N] [--openmoji-version V] [--emojibase-version V]

Downloads openmoji@${OPENMOJI_VERSION} and emojibase-data@${EMOJIBASE_VERSION} with npm, renders every
base emoji that has an OpenMoji colour SVG to OUT_DIR/images/<HEXCODE>.png (PX x PX, RGB on white)
and writes OUT_DIR/captions.csv (image,text), OUT_DIR/LICENSES.md and OUT_DIR/manifest.json.

  --size PX               image width and height (default ${SIZE})
  --jobs N                parallel rsvg-convert processes (default ${JOBS})
  --openmoji-version V    npm version or range of openmoji (default ${OPENMOJI_VERSION})
  --emojibase-version V   npm version or range of emojibase-data (default ${EMOJIBASE_VERSION})

Needs node (>= 18) and npm with access to the npm registry, tar, and rsvg-convert
(Debian/Ubuntu package librsvg2-bin). Rerunning is cheap: unchanged images are not re-rendered.
EOF
}

die() {
  echo "build.sh: error: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --size) [[ $# -ge 2 ]] || die "--size needs a value"; SIZE="$2"; shift 2 ;;
    --size=*) SIZE="${1#*=}"; shift ;;
    --jobs) [[ $# -ge 2 ]] || die "--jobs needs a value"; JOBS="$2"; shift 2 ;;
    --jobs=*) JOBS="${1#*=}"; shift ;;
    --openmoji-version) [[ $# -ge 2 ]] || die "--openmoji-version needs a value"; OPENMOJI_VERSION="$2"; shift 2 ;;
    --openmoji-version=*) OPENMOJI_VERSION="${1#*=}"; shift ;;
    --emojibase-version) [[ $# -ge 2 ]] || die "--emojibase-version needs a value"; EMOJIBASE_VERSION="$2"; shift 2 ;;
    --emojibase-version=*) EMOJIBASE_VERSION="${1#*=}"; shift ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [[ -z "$OUT_DIR" ]] || die "more than one OUT_DIR given ($OUT_DIR, $1)"; OUT_DIR="$1"; shift ;;
  esac
done
[[ -n "$OUT_DIR" ]] || { usage >&2; die "OUT_DIR is required"; }
if ! [[ "$SIZE" =~ ^[1-9][0-9]{0,3}$ ]] || ((SIZE < 8 || SIZE > 4096)); then
  die "--size must be an integer in 8..4096, got '$SIZE'"
fi
if ! [[ "$JOBS" =~ ^[1-9][0-9]{0,2}$ ]]; then die "--jobs must be a positive integer, got '$JOBS'"; fi

# --- tools -----------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= 18 (https://nodejs.org/ or your package manager)"
command -v npm >/dev/null 2>&1 || die "npm not found: install npm (comes with Node.js; Debian/Ubuntu package npm)"
command -v tar >/dev/null 2>&1 || die "tar not found"
command -v rsvg-convert >/dev/null 2>&1 ||
  die "rsvg-convert not found: install the package librsvg2-bin (Debian/Ubuntu: sudo apt-get install librsvg2-bin; Fedora: librsvg2-tools; macOS: brew install librsvg)"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
((NODE_MAJOR >= 18)) || die "node $(node --version) is too old: Node.js >= 18 is required"
RSVG_VERSION="$(rsvg-convert --version | sed -n 's/^rsvg-convert version //p')"
[[ -n "$RSVG_VERSION" ]] || die "cannot tell the version of rsvg-convert ($(rsvg-convert --version 2>&1 | head -n 1))"

# Refuse a folder with foreign content before downloading anything (build.mjs checks again).
if [[ -e "$OUT_DIR" && ! -d "$OUT_DIR" ]]; then die "$OUT_DIR exists and is not a folder"; fi
if [[ -d "$OUT_DIR" ]]; then
  while IFS= read -r -d '' entry; do
    case "$(basename "$entry")" in
      images | captions.csv | LICENSES.md | manifest.json | *.tmp) ;;
      *) die "$OUT_DIR contains '$(basename "$entry")', which this script does not make; use an empty or new folder" ;;
    esac
  done < <(find "$OUT_DIR" -mindepth 1 -maxdepth 1 -print0)
fi

START=$SECONDS
WORK="$(mktemp -d "${TMPDIR:-/tmp}/emoji-dataset.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# --- download --------------------------------------------------------------------------------
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
fetch() { # fetch NAME SPEC MEMBERS...
  local name="$1" spec="$2"
  shift 2
  echo "npm: $name@$spec" >&2
  if ! npm view "$name@$spec" name version dist.shasum dist.integrity dist.tarball --json \
    >"$WORK/$name.view.json" 2>"$WORK/npm.err"; then
    die "npm view $name@$spec failed (registry $(npm config get registry 2>/dev/null) unreachable, or no such version?):
$(grep -v '^npm error A complete log' "$WORK/npm.err" | head -n 4)"
  fi
  local version
  version="$(node "$SCRIPT_DIR/build.mjs" resolve "$WORK/$name.view.json")" || die "cannot resolve $name@$spec"
  (cd "$WORK" && npm pack "$name@$version" --json --ignore-scripts --pack-destination "$WORK") \
    >"$WORK/$name.pack.json" 2>"$WORK/npm.err" ||
    die "npm pack $name@$version failed (no network?):
$(grep -v '^npm error A complete log' "$WORK/npm.err" | head -n 4)"
  mkdir -p "$WORK/$name"
  tar -xzf "$WORK/$name-$version.tgz" -C "$WORK/$name" "$@" 2>"$WORK/tar.err" ||
    die "cannot extract $* from $name-$version.tgz (package layout changed?): $(tail -n 3 "$WORK/tar.err")"
}
fetch openmoji "$OPENMOJI_VERSION" package/package.json package/LICENSE.txt package/color/svg
fetch emojibase-data "$EMOJIBASE_VERSION" package/package.json package/LICENSE package/zh/data.json

# --- build -----------------------------------------------------------------------------------
echo "rendering to $OUT_DIR/images (${SIZE}x${SIZE}, $JOBS jobs) ..." >&2
node "$SCRIPT_DIR/build.mjs" build --work "$WORK" --out "$OUT_DIR" --size "$SIZE" --jobs "$JOBS" \
  --rsvg-version "$RSVG_VERSION"
SIZE_APPARENT="$(du -sh --apparent-size "$OUT_DIR" 2>/dev/null | cut -f1)" || true
echo "done in $((SECONDS - START)) s: $OUT_DIR holds ${SIZE_APPARENT:-?} (on disk $(du -sh "$OUT_DIR" | cut -f1))"
