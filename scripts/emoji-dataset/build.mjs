#!/usr/bin/env node
// Helper of build.sh (see README.md): turns the unpacked openmoji and emojibase-data npm packages
// into OUT_DIR/{images/<HEXCODE>.png, captions.csv, LICENSES.md, manifest.json}.
// Node.js >= 18, built-in modules only.
//
//   node build.mjs resolve VIEW_JSON        print the exact version chosen from `npm view --json`
//   node build.mjs build --work DIR --out DIR --size PX --jobs N --rsvg-version STRING
//
// `build` expects in --work: openmoji.view.json / emojibase-data.view.json (`npm view <spec> name
// version dist.shasum dist.integrity dist.tarball --json`), the packed tarballs named in
// openmoji.pack.json / emojibase-data.pack.json (`npm pack --json`), and the extracted packages
// in openmoji/package and emojibase-data/package.
//
// Determinism: nothing depends on the date, the locale, the order of readdir or the number of
// jobs. A PNG is rendered again only when its SVG, the size or the rsvg-convert version changed
// (or it is missing / altered); the previous manifest.json serves as the cache.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const FORMAT_VERSION = 1;
const OPENMOJI_CREDIT =
  'All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0';
const OUT_ENTRIES = new Set(['images', 'captions.csv', 'LICENSES.md', 'manifest.json']);

class UserError extends Error {}
const fail = (msg) => {
  throw new UserError(msg);
};

// ---------------------------------------------------------------------------------------------
// small helpers

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function readJson(file, what) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(`cannot read ${what} (${file}): ${e.message}`);
  }
  if (text.trim() === '') fail(`${what} is empty (${file})`);
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} is not valid JSON (${file}): ${e.message}`);
  }
}

// Writes through a temporary file and a rename, and only when the content differs, so an
// interrupted run never leaves a half-written file and an unchanged file keeps its mtime.
function writeIfChanged(file, content) {
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  if (fs.existsSync(file) && fs.readFileSync(file).equals(buf)) return false;
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, file);
  return true;
}

// "1F469-200D-1F4BB" -> [0x1F469, 0x200D, 0x1F4BB]
const codePoints = (hex) => hex.split('-').map((h) => parseInt(h, 16));
function compareHexcodes(a, b) {
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
const withoutFE0F = (hex) =>
  hex
    .toUpperCase()
    .split('-')
    .filter((p) => p !== 'FE0F')
    .join('-');

// RFC 4180: quote a field containing a comma, a double quote, CR or LF; double inner quotes.
const csvField = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

// ---------------------------------------------------------------------------------------------
// PNG: just enough to check that a PNG is opaque RGB and, if it is not, to flatten it on white.
// rsvg-convert >= 2.50 with --background-color=white writes 8-bit RGB already; older versions
// write RGBA, which our app's decoder would read without compositing (transparent -> black).

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function parsePng(buf, name) {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) fail(`${name}: not a PNG file`);
  const chunks = [];
  let off = 8;
  while (off + 12 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > buf.length) fail(`${name}: truncated PNG chunk ${type}`);
    chunks.push({ type, data: buf.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  const ihdr = chunks[0];
  if (!ihdr || ihdr.type !== 'IHDR') fail(`${name}: PNG without IHDR`);
  return {
    chunks,
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8],
    colorType: ihdr.data[9],
    interlace: ihdr.data[12],
  };
}

function unfilter(raw, width, height, bpp, name) {
  const stride = width * bpp;
  if (raw.length !== height * (stride + 1)) fail(`${name}: unexpected PNG image data size`);
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    const prev = y * stride - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
      let v;
      switch (f) {
        case 0: v = 0; break;
        case 1: v = a; break;
        case 2: v = b; break;
        case 3: v = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: fail(`${name}: bad PNG filter type ${f}`);
      }
      out[row + x] = (src[x] + v) & 0xff;
    }
  }
  return out;
}

function encodeRgbPng(rgb, width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0; // filter: none
    rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Returns the PNG to keep: `buf` itself when it is already 8-bit RGB without transparency,
// otherwise the image composited on white and re-encoded as 8-bit RGB.
function ensureOpaqueRgb(buf, size, name) {
  const png = parsePng(buf, name);
  if (png.width !== size || png.height !== size)
    fail(`${name}: rendered ${png.width}x${png.height}, expected ${size}x${size}`);
  if (png.bitDepth !== 8 || png.interlace !== 0)
    fail(`${name}: unsupported PNG (bit depth ${png.bitDepth}, interlace ${png.interlace})`);
  const hasTrns = png.chunks.some((c) => c.type === 'tRNS');
  if (png.colorType === 2 && !hasTrns) return { png: buf, flattened: false };
  const channels = { 2: 3, 6: 4, 0: 1, 4: 2 }[png.colorType];
  if (!channels || hasTrns) fail(`${name}: unsupported PNG colour type ${png.colorType}${hasTrns ? ' with tRNS' : ''}`);
  const raw = zlib.inflateSync(Buffer.concat(png.chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const px = unfilter(raw, size, size, channels, name);
  const rgb = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const s = px.subarray(i * channels, (i + 1) * channels);
    const color = channels >= 3 ? [s[0], s[1], s[2]] : [s[0], s[0], s[0]];
    const alpha = channels === 4 ? s[3] : channels === 2 ? s[1] : 255;
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.round((color[k] * alpha + 255 * (255 - alpha)) / 255);
  }
  return { png: encodeRgbPng(rgb, size, size), flattened: true };
}

// ---------------------------------------------------------------------------------------------
// sources

function resolveView(view, what) {
  // `npm view <spec> ... --json` gives an object for one version, an array when a range matches
  // several (ascending): take the newest.
  const v = Array.isArray(view) ? view[view.length - 1] : view;
  if (!v || typeof v !== 'object' || !v.version || !v['dist.integrity'] || !v['dist.shasum'])
    fail(`unexpected output of npm view for ${what}: ${JSON.stringify(view).slice(0, 300)}`);
  return v;
}

function loadSource(work, name) {
  const view = resolveView(readJson(path.join(work, `${name}.view.json`), `npm view output for ${name}`), name);
  const pack = readJson(path.join(work, `${name}.pack.json`), `npm pack output for ${name}`);
  const packed = Array.isArray(pack) ? pack[0] : pack;
  if (!packed || !packed.filename) fail(`unexpected npm pack output for ${name}`);
  if (packed.name !== name || packed.version !== view.version)
    fail(`npm pack gave ${packed.name}@${packed.version}, expected ${name}@${view.version}`);
  const tgz = fs.readFileSync(path.join(work, packed.filename));
  // Check the tarball against the registry's published hashes (npm pack checks too; belt and braces).
  const shasum = crypto.createHash('sha1').update(tgz).digest('hex');
  const [algo, expected] = [view['dist.integrity'].split('-')[0], view['dist.integrity'].slice(view['dist.integrity'].indexOf('-') + 1)];
  const integrity = crypto.createHash(algo).update(tgz).digest('base64');
  if (shasum !== view['dist.shasum'] || integrity !== expected)
    fail(`${packed.filename} does not match the registry's dist.shasum/dist.integrity`);
  const dir = path.join(work, name, 'package');
  const pkg = readJson(path.join(dir, 'package.json'), `${name}/package.json`);
  if (pkg.version !== view.version) fail(`${name}: package.json says ${pkg.version}, expected ${view.version}`);
  return {
    name,
    version: view.version,
    tarball: view['dist.tarball'] || null,
    shasum: view['dist.shasum'],
    integrity: view['dist.integrity'],
    license: pkg.license || null,
    dir,
  };
}

function loadEmojibase(dir) {
  const data = readJson(path.join(dir, 'zh', 'data.json'), 'emojibase-data zh/data.json');
  if (!Array.isArray(data) || data.length === 0) fail('emojibase-data zh/data.json: expected a non-empty array');
  for (const [i, e] of data.entries()) {
    if (!e || typeof e.hexcode !== 'string' || !/^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)*$/.test(e.hexcode) || typeof e.label !== 'string')
      fail(`emojibase-data zh/data.json: entry ${i} lacks a hexcode/label (format changed?)`);
    if (e.tags !== undefined && !Array.isArray(e.tags)) fail(`emojibase-data zh/data.json: entry ${e.hexcode}: tags is not an array`);
  }
  return data;
}

// OpenMoji names files by upper-case hexcode, fully qualified ("2764-FE0F.svg"); emojibase may
// differ in the FE0F variation selector either way. Exact match first, then the same sequence
// ignoring every FE0F; among several such files the smallest name (deterministic).
function svgIndex(svgDir) {
  let files;
  try {
    files = fs.readdirSync(svgDir).filter((f) => f.toLowerCase().endsWith('.svg')).sort();
  } catch (e) {
    fail(`OpenMoji colour SVG folder missing (${svgDir}): ${e.message}`);
  }
  if (files.length === 0) fail(`no SVG files in ${svgDir}`);
  const exact = new Map();
  const loose = new Map();
  for (const f of files) {
    const hex = f.slice(0, -4).toUpperCase();
    exact.set(hex, f);
    const k = withoutFE0F(hex);
    if (!loose.has(k)) loose.set(k, f);
  }
  return (hexcode) => {
    const hex = hexcode.toUpperCase();
    if (exact.has(hex)) return { file: exact.get(hex), how: 'exact' };
    const f = loose.get(withoutFE0F(hex));
    return f ? { file: f, how: 'fe0f' } : null;
  };
}

// ---------------------------------------------------------------------------------------------
// rendering

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new UserError(`${cmd} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

async function pool(items, jobs, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
}

// ---------------------------------------------------------------------------------------------

function licensesMd(openmoji, emojibase, emojibaseCopyright) {
  const mit = fs.readFileSync(path.join(emojibase.dir, 'LICENSE'), 'utf8').trim();
  return `# Licences of this data set

This data set was generated by \`scripts/emoji-dataset/build.sh\` of BriVL Studio from two npm
packages. The generator script is part of BriVL Studio; the data is not.

## Images: OpenMoji — CC BY-SA 4.0

${OPENMOJI_CREDIT}

- Package: \`openmoji@${openmoji.version}\` (${openmoji.tarball ?? 'npm registry'})
- npm shasum: \`${openmoji.shasum}\`
- npm integrity: \`${openmoji.integrity}\`
- Licence: Creative Commons Attribution-ShareAlike 4.0 International,
  https://creativecommons.org/licenses/by-sa/4.0/ (full text: \`LICENSE.txt\` in the package).
- Project: https://openmoji.org/ — https://github.com/hfg-gmuend/openmoji
- Changes made: the colour SVGs (\`color/svg/<HEXCODE>.svg\`) were rasterised with rsvg-convert
  to square PNGs on a white background. \`images/\` is an adaptation of OpenMoji and is
  therefore likewise licensed under CC BY-SA 4.0.

## Captions: emojibase-data — MIT

Chinese (\`zh\`) labels and tags from \`zh/data.json\`.

- Package: \`emojibase-data@${emojibase.version}\` (${emojibase.tarball ?? 'npm registry'})
- npm shasum: \`${emojibase.shasum}\`
- npm integrity: \`${emojibase.integrity}\`
- ${emojibaseCopyright}
- Project: https://emojibase.dev/ — https://github.com/milesj/emojibase
- emojibase localises its data with the Unicode CLDR annotations (Unicode License v3,
  https://www.unicode.org/license.txt).

The package's licence, verbatim:

\`\`\`
${mit}
\`\`\`
`;
}

async function build(opts) {
  const { work, out, size, jobs, rsvgVersion } = opts;
  const openmoji = loadSource(work, 'openmoji');
  const emojibase = loadSource(work, 'emojibase-data');
  const licenseText = fs.readFileSync(path.join(emojibase.dir, 'LICENSE'), 'utf8');
  const copyright = licenseText.split('\n').find((l) => /^\s*Copyright/i.test(l));
  if (!copyright) fail('emojibase-data LICENSE: no copyright line found');

  const data = loadEmojibase(emojibase.dir);
  const svgDir = path.join(openmoji.dir, 'color', 'svg');
  const findSvg = svgIndex(svgDir);

  // Select base entries (skin-tone variants live in `skins` and are never selected) with an SVG.
  const counts = {
    emojibase_entries: data.length,
    skin_tone_variants_skipped: 0,
    skipped_no_svg: 0,
    skipped_duplicate_hexcode: 0,
    svg_matched_exact: 0,
    svg_matched_ignoring_fe0f: 0,
  };
  const skipped = [];
  const chosen = new Map();
  for (const e of data) {
    counts.skin_tone_variants_skipped += Array.isArray(e.skins) ? e.skins.length : 0;
    const hex = e.hexcode.toUpperCase();
    if (chosen.has(hex)) {
      counts.skipped_duplicate_hexcode++;
      skipped.push({ hexcode: hex, label: e.label, reason: 'duplicate hexcode' });
      continue;
    }
    const svg = findSvg(hex);
    if (!svg) {
      counts.skipped_no_svg++;
      skipped.push({ hexcode: hex, label: e.label, reason: 'no OpenMoji colour SVG' });
      continue;
    }
    counts[svg.how === 'exact' ? 'svg_matched_exact' : 'svg_matched_ignoring_fe0f']++;
    chosen.set(hex, { entry: e, hex, svgFile: svg.file });
  }
  const items = [...chosen.values()].sort((a, b) => compareHexcodes(a.hex, b.hex));
  skipped.sort((a, b) => compareHexcodes(a.hexcode, b.hexcode));

  // Output folder.
  fs.mkdirSync(out, { recursive: true });
  for (const name of fs.readdirSync(out))
    if (!OUT_ENTRIES.has(name) && !name.endsWith('.tmp'))
      fail(`${out} contains "${name}", which this script does not make; use an empty or new folder`);
  const imagesDir = path.join(out, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });

  // Previous manifest = render cache.
  let cache = new Map();
  const manifestPath = path.join(out, 'manifest.json');
  if (fs.existsSync(manifestPath)) {
    try {
      const old = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
      if (old.format_version === FORMAT_VERSION && old.image_size === size && old.renderer?.version === rsvgVersion)
        cache = new Map(old.images.map((im) => [im.hexcode, im]));
    } catch {
      // unreadable manifest: render everything
    }
  }

  // Render.
  const wanted = new Set(items.map((it) => `${it.hex}.png`));
  let rendered = 0;
  let reused = 0;
  let flattened = 0;
  let done = 0;
  const t0 = Date.now();
  await pool(items, jobs, async (it) => {
    const svgBytes = fs.readFileSync(path.join(svgDir, it.svgFile));
    it.svgSha = sha256(svgBytes);
    const pngPath = path.join(imagesDir, `${it.hex}.png`);
    const prev = cache.get(it.hex);
    if (prev && prev.svg_sha256 === it.svgSha && fs.existsSync(pngPath)) {
      const have = fs.readFileSync(pngPath);
      if (sha256(have) === prev.png_sha256) {
        it.pngSha = prev.png_sha256;
        it.pngBytes = have.length;
        reused++;
        done++;
        return;
      }
    }
    const tmp = `${pngPath}.tmp`;
    await run('rsvg-convert', [
      '--width', String(size), '--height', String(size),
      '--background-color', 'white', '--format', 'png',
      '--output', tmp, path.join(svgDir, it.svgFile),
    ]);
    const res = ensureOpaqueRgb(fs.readFileSync(tmp), size, `${it.hex}.png`);
    if (res.flattened) flattened++;
    fs.writeFileSync(tmp, res.png);
    fs.renameSync(tmp, pngPath);
    it.pngSha = sha256(res.png);
    it.pngBytes = res.png.length;
    rendered++;
    done++;
    if (done % 250 === 0) process.stderr.write(`  ${done}/${items.length} images (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  });
  let removed = 0;
  for (const name of fs.readdirSync(imagesDir)) {
    if (wanted.has(name)) continue;
    if (!/\.png(\.tmp)?$/.test(name)) fail(`${imagesDir} contains "${name}", which this script does not make`);
    fs.unlinkSync(path.join(imagesDir, name));
    removed++;
  }

  // Captions: label first, then each tag that is new for this image, in emojibase's order.
  const lines = ['image,text'];
  let labelRows = 0;
  let tagRows = 0;
  let tagsSameAsLabel = 0;
  let tagsDuplicate = 0;
  let emptyTexts = 0;
  const textImages = new Map();
  for (const it of items) {
    const image = `images/${it.hex}.png`;
    const label = it.entry.label.trim();
    const texts = [];
    if (label) texts.push(label);
    else emptyTexts++;
    for (const raw of it.entry.tags ?? []) {
      const t = String(raw).trim();
      if (!t) emptyTexts++;
      else if (t === label) tagsSameAsLabel++;
      else if (texts.includes(t)) tagsDuplicate++;
      else texts.push(t);
    }
    if (texts.length === 0) fail(`${it.hex}: no usable Chinese text`);
    for (const [i, t] of texts.entries()) {
      lines.push(`${csvField(image)},${csvField(t)}`);
      if (i === 0 && label) labelRows++;
      else tagRows++;
      textImages.set(t, (textImages.get(t) ?? 0) + 1);
    }
  }
  const csv = `${lines.join('\n')}\n`;
  const sharedTexts = [...textImages.values()].filter((n) => n > 1).length;

  const manifest = {
    format_version: FORMAT_VERSION,
    generator: 'scripts/emoji-dataset/build.sh (BriVL Studio)',
    description: 'Chinese image-text pairs: OpenMoji colour emoji with emojibase-data zh labels and tags',
    sources: Object.fromEntries(
      [openmoji, emojibase].map((s) => [
        s.name,
        { version: s.version, tarball: s.tarball, shasum: s.shasum, integrity: s.integrity, license: s.license },
      ]),
    ),
    renderer: { tool: 'rsvg-convert', version: rsvgVersion, background: 'white', output: '8-bit RGB PNG' },
    image_size: size,
    counts: {
      ...counts,
      images: items.length,
      caption_rows: labelRows + tagRows,
      label_rows: labelRows,
      tag_rows: tagRows,
      tags_dropped_same_as_label: tagsSameAsLabel,
      tags_dropped_duplicate: tagsDuplicate,
      texts_dropped_empty: emptyTexts,
      distinct_texts: textImages.size,
      texts_shared_by_several_images: sharedTexts,
    },
    skipped,
    images: items.map((it) => ({
      image: `images/${it.hex}.png`,
      hexcode: it.hex,
      emoji: it.entry.emoji,
      label: it.entry.label,
      group: it.entry.group ?? null,
      subgroup: it.entry.subgroup ?? null,
      svg: `color/svg/${it.svgFile}`,
      svg_sha256: it.svgSha,
      png_sha256: it.pngSha,
    })),
  };

  writeIfChanged(path.join(out, 'captions.csv'), csv);
  writeIfChanged(path.join(out, 'LICENSES.md'), licensesMd(openmoji, emojibase, copyright.trim()));
  writeIfChanged(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const bytes = items.reduce((n, it) => n + it.pngBytes, 0);
  const c = manifest.counts;
  console.log(
    [
      `openmoji@${openmoji.version}, emojibase-data@${emojibase.version}, rsvg-convert ${rsvgVersion}`,
      `emojibase zh entries: ${c.emojibase_entries} (+${c.skin_tone_variants_skipped} skin-tone variants, not used)`,
      `images: ${c.images} (${size}x${size}; ${rendered} rendered, ${reused} unchanged, ${flattened} flattened, ${removed} stale removed; ${(bytes / 1048576).toFixed(1)} MiB)`,
      `  SVG match: ${c.svg_matched_exact} exact, ${c.svg_matched_ignoring_fe0f} ignoring FE0F`,
      `skipped: ${c.skipped_no_svg} without OpenMoji SVG, ${c.skipped_duplicate_hexcode} duplicate hexcode` +
        (skipped.length ? ` (${skipped.slice(0, 10).map((s) => s.hexcode).join(', ')}${skipped.length > 10 ? ', …' : ''})` : ''),
      `captions.csv: ${c.caption_rows} rows (${c.label_rows} labels + ${c.tag_rows} tags; dropped ${c.tags_dropped_same_as_label} tags equal to the label, ${c.tags_dropped_duplicate} duplicate tags)`,
      `  ${c.distinct_texts} distinct texts, ${c.texts_shared_by_several_images} of them shared by several images`,
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    if (!k.startsWith('--') || i + 1 >= argv.length) fail(`bad argument ${k}`);
    o[k.slice(2)] = argv[i + 1];
  }
  return o;
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'resolve') {
    if (rest.length !== 1) fail('usage: build.mjs resolve VIEW_JSON');
    console.log(resolveView(readJson(rest[0], 'npm view output'), rest[0]).version);
  } else if (cmd === 'build') {
    const a = parseArgs(rest);
    for (const k of ['work', 'out', 'size', 'jobs', 'rsvg-version']) if (a[k] === undefined) fail(`missing --${k}`);
    const size = Number(a.size);
    const jobs = Number(a.jobs);
    if (!Number.isInteger(size) || size < 8 || size > 4096) fail(`--size must be an integer in 8..4096, got ${a.size}`);
    if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs must be a positive integer, got ${a.jobs}`);
    await build({ work: a.work, out: path.resolve(a.out), size, jobs, rsvgVersion: a['rsvg-version'] });
  } else {
    fail('usage: build.mjs resolve VIEW_JSON | build --work DIR --out DIR --size PX --jobs N --rsvg-version V');
  }
}

// Run as a program (not when imported, e.g. to test the helpers below).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`build.mjs: error: ${e instanceof UserError ? e.message : e.stack}`);
    process.exit(1);
  });
}

export { compareHexcodes, csvField, ensureOpaqueRgb, parsePng, svgIndex, unfilter, withoutFE0F };
