#pragma once
// PNG files that carry their own generation settings: "imagine" saves each generated image with the
// settings as text chunks so that `brivl imagine --replay IMG.png` can read them back and rerun the
// exact same generation. Pixels are encoded by stb_image_write; the text goes into iTXt chunks
// (PNG spec 2nd ed., ISO/IEC 15948 §11.3.4.5; https://www.w3.org/TR/png/#11iTXt) because tEXt only
// holds Latin-1 and the settings may contain any UTF-8 (prompts in Chinese).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vision/image_decode.h"

namespace brivl {

// Encodes `image` as PNG bytes. Deterministic: the same pixels and the same text give identical
// bytes. Each (keyword, text) pair becomes one uncompressed iTXt chunk, in the given order, placed
// right after IHDR (so before IDAT, where readers that stop at the pixels still see it).
// Keywords: 1-79 printable ASCII characters (a subset of the Latin-1 that PNG allows, so the bytes
// mean the same in Latin-1 and UTF-8), no leading, trailing or consecutive spaces. Text: valid UTF-8
// without NUL. Throws brivl::Error on a bad image size or pixel count, keyword or text.
std::string encode_png(const RgbImage& image, const std::vector<std::pair<std::string, std::string>>& text_chunks = {});

// encode_png, then written with write_file_atomically (readers never see a half-written file).
void write_png(const std::string& path, const RgbImage& image,
               const std::vector<std::pair<std::string, std::string>>& text_chunks = {});

// One-channel (greyscale) 8-bit PNG of `width` x `height` values, row-major, written atomically
// (maps such as `brivl explain`'s relevance). Throws brivl::Error on a size / value-count mismatch.
void write_gray_png(const std::string& path, int width, int height, const std::vector<uint8_t>& values);

// All tEXt, zTXt and iTXt chunks of a PNG file's bytes as (keyword, text) pairs in file order, all
// as UTF-8 (tEXt/zTXt and every keyword are Latin-1 in the file and are converted). Compressed
// chunks are inflated with zlib. Every chunk's CRC is checked. Throws brivl::Error naming `name` when
// the bytes are not a PNG, or a chunk is truncated, malformed or has a wrong CRC.
std::vector<std::pair<std::string, std::string>> read_png_text(const std::string& png_bytes, const std::string& name);

// read_png_text on the contents of `path` (errors name the path).
std::vector<std::pair<std::string, std::string>> read_png_text_file(const std::string& path);

}  // namespace brivl
