#include "export/png_export.h"

#include <stb/stb_image_write.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

using TextChunks = std::vector<std::pair<std::string, std::string>>;

// PNG spec §5.2: every PNG starts with these 8 bytes.
constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
// §5.3: a chunk's length field is at most 2^31 - 1.
constexpr uint32_t kMaxChunkLength = 0x7fffffffu;
// §11.3.4.2: keywords are 1-79 bytes.
constexpr size_t kMaxKeywordLength = 79;
// Compressed text is inflated in memory; a cap keeps a tiny hostile file from exhausting it.
constexpr size_t kMaxInflatedText = size_t{64} << 20;

void append_be32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xffu);
}

uint32_t read_be32(std::string_view bytes, size_t pos) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[pos + i]);
  return value;
}

// §5.3: the CRC covers the chunk type and data, not the length. Chunk data is < 2^31 bytes, so
// the length fits zlib's 32-bit uInt.
uint32_t chunk_crc(std::string_view type_and_data) {
  const auto* data = reinterpret_cast<const Bytef*>(type_and_data.data());
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(type_and_data.size())));
}

std::string make_chunk(std::string_view type, const std::string& data) {
  std::string type_and_data(type);
  type_and_data += data;
  std::string chunk;
  chunk.reserve(12 + data.size());
  append_be32(chunk, static_cast<uint32_t>(data.size()));
  chunk += type_and_data;
  append_be32(chunk, chunk_crc(type_and_data));
  return chunk;
}

// `s` in double quotes with bytes outside printable ASCII as \xNN: a NUL would otherwise cut the
// exception message short, and other bytes may not be valid UTF-8.
std::string quoted(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 32 && c <= 126 && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "\"";
}

// §11.3.4.2 allows Latin-1 keywords; we accept only printable ASCII so that the caller's UTF-8
// string and the Latin-1 bytes in the file are the same characters, and the reader returns exactly
// what was written. The space rules are the spec's.
void check_keyword(const std::string& keyword) {
  BRIVL_CHECK(!keyword.empty() && keyword.size() <= kMaxKeywordLength, "PNG text keyword ", quoted(keyword),
              " must be 1-79 characters long (it has ", keyword.size(), ")");
  for (unsigned char c : keyword) {
    BRIVL_CHECK(c >= 32 && c <= 126, "PNG text keyword ", quoted(keyword),
                " may only contain printable ASCII characters (found byte ", static_cast<int>(c), ")");
  }
  BRIVL_CHECK(keyword.front() != ' ' && keyword.back() != ' ' && keyword.find("  ") == std::string::npos,
              "PNG text keyword ", quoted(keyword), " must not have leading, trailing or consecutive spaces");
}

// Offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF), or npos.
size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1fu;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0fu;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07u;
      min = 0x10000;
    } else {
      return i;  // a continuation byte, or a lead byte of a 5/6-byte form
    }
    if (s.size() - i <= extra) return i;
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (next & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += extra + 1;
  }
  return std::string_view::npos;
}

// §11.3.4.5 iTXt layout: keyword \0, compression flag (0 = uncompressed), compression method (0),
// language tag \0, translated keyword \0, then the UTF-8 text up to the end of the chunk. The text
// is stored uncompressed so that it stays readable with a plain `strings IMG.png`.
std::string itxt_chunk(const std::string& keyword, const std::string& text) {
  check_keyword(keyword);
  BRIVL_CHECK(text.find('\0') == std::string::npos, "PNG text ", quoted(keyword),
              " must not contain NUL bytes (§11.3.4.2)");
  const size_t bad = find_invalid_utf8(text);
  BRIVL_CHECK(bad == std::string_view::npos, "PNG text ", quoted(keyword), " is not valid UTF-8 (at byte ", bad, ")");
  std::string data = keyword;
  data += '\0';                  // end of keyword
  data += std::string(2, '\0');  // compression flag 0, compression method 0
  data += '\0';                  // empty language tag
  data += '\0';                  // empty translated keyword
  data += text;
  BRIVL_CHECK(data.size() <= kMaxChunkLength, "PNG text ", quoted(keyword), " is too long (", text.size(), " bytes)");
  return make_chunk("iTXt", data);
}

void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

// stb_image_write's output (signature, IHDR, IDAT..., IEND) depends only on the pixels and its
// global settings, which we leave at their defaults, so it is deterministic.
std::string encode_pixels(const RgbImage& image) {
  BRIVL_CHECK(image.width > 0 && image.height > 0, "cannot encode a PNG of ", image.width, "x", image.height,
              " pixels: width and height must be positive");
  const size_t expected = static_cast<size_t>(image.width) * static_cast<size_t>(image.height) * 3;
  BRIVL_CHECK(image.pixels.size() == expected, "cannot encode a PNG of ", image.width, "x", image.height,
              " pixels: the RGB buffer has ", image.pixels.size(), " bytes, expected ", expected);
  // stb sizes its filter buffer as int((width * 3 + 1) * height).
  const size_t filtered = (static_cast<size_t>(image.width) * 3 + 1) * static_cast<size_t>(image.height);
  BRIVL_CHECK(filtered <= static_cast<size_t>(INT_MAX), "cannot encode a PNG of ", image.width, "x", image.height,
              " pixels: too large for the encoder");
  std::string png;
  const int ok = stbi_write_png_to_func(append_to_string, &png, image.width, image.height, 3, image.pixels.data(),
                                        image.width * 3);
  BRIVL_CHECK(ok != 0, "stb_image_write failed to encode a ", image.width, "x", image.height, " PNG");
  return png;
}

}  // namespace

std::string encode_png(const RgbImage& image, const TextChunks& text_chunks) {
  std::string text;  // validated before encoding, so a bad keyword fails fast
  for (const auto& [keyword, value] : text_chunks) text += itxt_chunk(keyword, value);
  std::string png = encode_pixels(image);
  // IHDR must come first (§5.6) and is always 13 bytes: signature 8 + length 4 + type 4 + 13 + CRC 4.
  constexpr size_t kAfterIhdr = 8 + 4 + 4 + 13 + 4;
  BRIVL_CHECK(png.size() > kAfterIhdr && png.compare(12, 4, "IHDR") == 0 && read_be32(png, 8) == 13,
              "stb_image_write produced an unexpected PNG layout (no 13-byte IHDR first)");
  png.insert(kAfterIhdr, text);
  return png;
}

void write_png(const std::string& path, const RgbImage& image, const TextChunks& text_chunks) {
  write_file_atomically(path, encode_png(image, text_chunks));
}

void write_gray_png(const std::string& path, int width, int height, const std::vector<uint8_t>& values) {
  BRIVL_CHECK(width > 0 && height > 0 && static_cast<size_t>(width) * static_cast<size_t>(height) == values.size(),
              path, ": a ", width, "x", height, " greyscale PNG needs ", static_cast<size_t>(std::max(width, 0)) * std::max(height, 0),
              " values, got ", values.size());
  BRIVL_CHECK((static_cast<size_t>(width) + 1) * static_cast<size_t>(height) <= static_cast<size_t>(INT_MAX), path,
              ": ", width, "x", height, " is too large for the encoder");
  std::string png;
  const int ok = stbi_write_png_to_func(append_to_string, &png, width, height, 1, values.data(), width);
  BRIVL_CHECK(ok != 0, "stb_image_write failed to encode a ", width, "x", height, " greyscale PNG");
  write_file_atomically(path, png);
}

namespace {

// One chunk of a PNG being read; `where` names it in error messages.
struct Chunk {
  std::string type;
  std::string_view data;
  std::string where;
};

// §11.3.4.3: tEXt/zTXt text and all keywords are Latin-1; callers get UTF-8.
std::string latin1_to_utf8(std::string_view latin1) {
  std::string out;
  out.reserve(latin1.size());
  for (unsigned char c : latin1) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// Position of the NUL that ends the field starting at `from`; throws when there is none.
size_t find_nul(const Chunk& chunk, size_t from, const char* field) {
  const size_t nul = chunk.data.find('\0', from);
  BRIVL_CHECK(nul != std::string_view::npos, chunk.where, ": the ", field, " is not NUL-terminated");
  return nul;
}

// Keyword at the start of a text chunk (§11.3.4.2: 1-79 bytes, then NUL); returns the NUL's position.
size_t read_keyword(const Chunk& chunk, std::string& keyword) {
  const size_t nul = find_nul(chunk, 0, "keyword");
  BRIVL_CHECK(nul >= 1 && nul <= kMaxKeywordLength, chunk.where, ": keyword length ", nul, " is not 1-79");
  keyword = latin1_to_utf8(chunk.data.substr(0, nul));
  return nul;
}

// zlib stream (compression method 0, §10.1) to bytes.
std::string inflate_text(const Chunk& chunk, std::string_view compressed) {
  z_stream zs{};
  BRIVL_CHECK(inflateInit(&zs) == Z_OK, chunk.where, ": cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() <= kMaxInflatedText) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof(buffer);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - zs.avail_out);
  }
  const std::string message = zs.msg ? zs.msg : "stream ends early";
  inflateEnd(&zs);
  BRIVL_CHECK(out.size() <= kMaxInflatedText, chunk.where, ": compressed text inflates to more than ", kMaxInflatedText,
              " bytes");
  BRIVL_CHECK(rc == Z_STREAM_END, chunk.where, ": compressed text is corrupt (zlib: ", message, ")");
  return out;
}

// §11.3.4.3 tEXt: keyword \0 Latin-1 text.
std::pair<std::string, std::string> parse_text(const Chunk& chunk) {
  std::string keyword;
  const size_t nul = read_keyword(chunk, keyword);
  return {keyword, latin1_to_utf8(chunk.data.substr(nul + 1))};
}

// §11.3.4.4 zTXt: keyword \0 compression method (0 = zlib) compressed Latin-1 text.
std::pair<std::string, std::string> parse_ztxt(const Chunk& chunk) {
  std::string keyword;
  const size_t nul = read_keyword(chunk, keyword);
  BRIVL_CHECK(chunk.data.size() > nul + 1, chunk.where, ": no compression method");
  BRIVL_CHECK(chunk.data[nul + 1] == 0, chunk.where, ": unknown compression method ",
              static_cast<int>(static_cast<unsigned char>(chunk.data[nul + 1])));
  return {keyword, latin1_to_utf8(inflate_text(chunk, chunk.data.substr(nul + 2)))};
}

// §11.3.4.5 iTXt: keyword \0 compression_flag compression_method language_tag \0 translated_keyword \0
// text. The language tag and translated keyword are not needed for replay and are dropped.
std::pair<std::string, std::string> parse_itxt(const Chunk& chunk) {
  std::string keyword;
  const size_t nul = read_keyword(chunk, keyword);
  BRIVL_CHECK(chunk.data.size() >= nul + 3, chunk.where, ": no compression flag and method");
  const auto flag = static_cast<unsigned char>(chunk.data[nul + 1]);
  const auto method = static_cast<unsigned char>(chunk.data[nul + 2]);
  BRIVL_CHECK(flag <= 1, chunk.where, ": compression flag ", static_cast<int>(flag), " is not 0 or 1");
  BRIVL_CHECK(flag == 0 || method == 0, chunk.where, ": unknown compression method ", static_cast<int>(method));
  const size_t language_end = find_nul(chunk, nul + 3, "language tag");
  const size_t translated_end = find_nul(chunk, language_end + 1, "translated keyword");
  const std::string_view text = chunk.data.substr(translated_end + 1);
  return {keyword, flag == 1 ? inflate_text(chunk, text) : std::string(text)};
}

// Reads the chunk at `pos` (§5.3 layout: length, type, data, CRC) and checks its bounds and CRC.
Chunk read_chunk(std::string_view png, size_t pos, const std::string& name) {
  BRIVL_CHECK(pos < png.size(), name, ": truncated PNG: it ends before the IEND chunk");
  BRIVL_CHECK(png.size() - pos >= 12, name, ": truncated PNG: incomplete chunk header at offset ", pos);
  const uint32_t length = read_be32(png, pos);
  Chunk chunk;
  chunk.type = std::string(png.substr(pos + 4, 4));
  std::string printable = chunk.type;
  for (char& c : printable) c = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?';
  chunk.where = name + ": PNG chunk " + printable + " at offset " + std::to_string(pos);
  BRIVL_CHECK(printable == chunk.type, chunk.where, ": chunk type is not 4 ASCII letters");
  BRIVL_CHECK(length <= kMaxChunkLength, chunk.where, ": length ", length, " exceeds 2^31 - 1");
  BRIVL_CHECK(png.size() - pos - 12 >= length, name, ": truncated PNG: chunk ", chunk.type, " at offset ", pos,
              " needs ", length + size_t{12}, " bytes, only ", png.size() - pos, " remain");
  chunk.data = png.substr(pos + 8, length);
  const uint32_t stored = read_be32(png, pos + 8 + length);
  const uint32_t computed = chunk_crc(png.substr(pos + 4, 4 + length));
  BRIVL_CHECK(stored == computed, chunk.where, ": CRC mismatch (stored ", stored, ", computed ", computed,
              "): the file is corrupt");
  return chunk;
}

}  // namespace

TextChunks read_png_text(const std::string& png_bytes, const std::string& name) {
  const std::string_view png(png_bytes);
  BRIVL_CHECK(png.substr(0, kSignature.size()) == kSignature, name, ": not a PNG file (bad signature)");
  TextChunks texts;
  size_t pos = kSignature.size();
  for (bool first = true;; first = false) {
    const Chunk chunk = read_chunk(png, pos, name);
    BRIVL_CHECK(!first || chunk.type == "IHDR", chunk.where, ": the first chunk must be IHDR");
    if (chunk.type == "tEXt") texts.push_back(parse_text(chunk));
    if (chunk.type == "zTXt") texts.push_back(parse_ztxt(chunk));
    if (chunk.type == "iTXt") texts.push_back(parse_itxt(chunk));
    if (chunk.type == "IEND") break;  // §5.6: IEND is last; anything after it is ignored
    pos += 12 + chunk.data.size();
  }
  return texts;
}

TextChunks read_png_text_file(const std::string& path) { return read_png_text(read_file(path), path); }

}  // namespace brivl
