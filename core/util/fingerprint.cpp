#include "util/fingerprint.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include "util/error.h"

namespace brivl {

std::string file_fingerprint(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  BRIVL_CHECK(!ec, path, ": cannot read (", ec.message(), ")");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  BRIVL_CHECK(f != nullptr, path, ": cannot open");
  constexpr size_t kBlock = 64 * 1024, kBlocks = 16;
  std::vector<unsigned char> buffer(kBlock);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t i = 0; i < kBlocks; ++i) {
    const auto offset = size > kBlock ? (size - kBlock) / (kBlocks - 1) * i : 0;
    std::fseek(f, static_cast<long>(offset), SEEK_SET);
    const size_t got = std::fread(buffer.data(), 1, kBlock, f);
    crc = crc32(crc, buffer.data(), static_cast<uInt>(got));
    if (size <= kBlock) break;
  }
  std::fclose(f);
  char text[64];
  std::snprintf(text, sizeof(text), "size:%llu crc32:%08lx", static_cast<unsigned long long>(size), crc);
  return text;
}

}  // namespace brivl
