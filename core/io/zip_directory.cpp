#include "io/zip_directory.h"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <vector>

#include "util/error.h"

namespace brivl {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kDirectoryHeader = 0x02014b50;
constexpr size_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kHeaderSize = 46;
constexpr uint64_t kMaxDirectory = uint64_t{1} << 30;  // a directory this large is not a checkpoint's

uint64_t le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::vector<unsigned char> read_at(std::ifstream& in, const std::string& path, uint64_t offset, uint64_t size) {
  std::vector<unsigned char> bytes(size);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  BRIVL_CHECK(in.gcount() == static_cast<std::streamsize>(size), path, ": cannot read ", size, " bytes at offset ",
              offset, " of the zip directory (truncated file?)");
  return bytes;
}

}  // namespace

std::map<std::string, ZipMember> read_zip_directory(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  BRIVL_CHECK(in, path, ": cannot open");
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  BRIVL_CHECK(file_size >= kEndSize, path, ": too short for a zip archive (", file_size, " bytes)");

  // The end-of-directory record sits in the last 22 + 65535 (comment) bytes; search backwards.
  const uint64_t tail_size = std::min<uint64_t>(file_size, kEndSize + 0xffff);
  const auto tail = read_at(in, path, file_size - tail_size, tail_size);
  int64_t end = -1;
  for (int64_t i = static_cast<int64_t>(tail_size - kEndSize); i >= 0; --i) {
    if (le(&tail[i], 4) == kEndOfDirectory && i + kEndSize + le(&tail[i + 20], 2) <= tail_size) {
      end = i;
      break;
    }
  }
  BRIVL_CHECK(end >= 0, path, ": no zip end-of-directory record (not a zip archive, or truncated)");
  const unsigned char* e = &tail[end];
  uint64_t entries = le(e + 10, 2), dir_size = le(e + 12, 4), dir_offset = le(e + 16, 4);
  const uint64_t end_offset = file_size - tail_size + static_cast<uint64_t>(end);
  if (entries == 0xffff || dir_size == 0xffffffff || dir_offset == 0xffffffff) {
    BRIVL_CHECK(end_offset >= kLocatorSize, path, ": zip64 archive without its locator");
    const auto locator = read_at(in, path, end_offset - kLocatorSize, kLocatorSize);
    BRIVL_CHECK(le(locator.data(), 4) == kZip64Locator, path, ": zip64 locator missing or damaged");
    const uint64_t zip64_offset = le(locator.data() + 8, 8);
    BRIVL_CHECK(zip64_offset <= file_size - kZip64EndSize, path, ": zip64 end record offset ", zip64_offset,
                " is past the end of the file");
    const auto z = read_at(in, path, zip64_offset, kZip64EndSize);
    BRIVL_CHECK(le(z.data(), 4) == kZip64EndOfDirectory, path, ": zip64 end-of-directory record damaged");
    entries = le(z.data() + 32, 8), dir_size = le(z.data() + 40, 8), dir_offset = le(z.data() + 48, 8);
  }
  BRIVL_CHECK(dir_size <= kMaxDirectory && dir_offset <= file_size && dir_size <= file_size - dir_offset, path,
              ": zip directory (", dir_size, " bytes at ", dir_offset, ") lies outside the file");
  const auto dir = read_at(in, path, dir_offset, dir_size);

  std::map<std::string, ZipMember> members;
  size_t pos = 0;
  for (uint64_t n = 0; n < entries; ++n) {
    BRIVL_CHECK(pos + kHeaderSize <= dir.size() && le(&dir[pos], 4) == kDirectoryHeader, path,
                ": zip directory entry ", n, " is damaged");
    const unsigned char* h = &dir[pos];
    const size_t name_len = le(h + 28, 2), extra_len = le(h + 30, 2), comment_len = le(h + 32, 2);
    BRIVL_CHECK(pos + kHeaderSize + name_len + extra_len + comment_len <= dir.size(), path,
                ": zip directory entry ", n, " runs past the directory");
    ZipMember m;
    m.crc32 = static_cast<uint32_t>(le(h + 16, 4));
    m.size = le(h + 24, 4);
    if (m.size == 0xffffffff) {
      // The zip64 extra field (id 1) holds the real size first.
      for (size_t x = 0; x + 4 <= extra_len;) {
        const unsigned char* f = h + kHeaderSize + name_len + x;
        const size_t len = le(f + 2, 2);
        if (le(f, 2) == 1 && len >= 8 && x + 4 + len <= extra_len) m.size = le(f + 4, 8);
        x += 4 + len;
      }
    }
    members[std::string(reinterpret_cast<const char*>(h + kHeaderSize), name_len)] = m;
    pos += kHeaderSize + name_len + extra_len + comment_len;
  }
  return members;
}

uint32_t crc32_of(const void* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<size_t>(size, std::numeric_limits<uInt>::max() / 2));
    crc = crc32(crc, p, chunk);
    p += chunk, size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

uint32_t crc32_combine_of(uint32_t crc_a, uint32_t crc_b, uint64_t size_b) {
  return static_cast<uint32_t>(crc32_combine(crc_a, crc_b, static_cast<z_off_t>(size_b)));
}

}  // namespace brivl
