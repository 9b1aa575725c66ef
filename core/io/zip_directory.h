#pragma once
// The central directory of a zip archive: each member's name, size and CRC-32, read straight from
// the file (zip64 included). torch.save's zip stores a CRC-32 per record, but LibTorch's reader
// (miniz built with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS) never checks it, so a bit flipped
// inside a weight tensor would load silently. TorchZipReader checks every record it reads against
// these. Torch-free (part of brivl_base). Ref: PKWARE APPNOTE.TXT 6.3, sections 4.3.12-4.3.16.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace brivl {

struct ZipMember {
  uint32_t crc32 = 0;
  uint64_t size = 0;  // uncompressed bytes
};

// Member name -> member. Throws brivl::Error naming `path` when the file is not a zip archive or
// its directory is damaged (bad signatures, offsets past the end of the file).
std::map<std::string, ZipMember> read_zip_directory(const std::string& path);

// zlib's CRC-32 of a buffer of any size.
uint32_t crc32_of(const void* data, size_t size);
// The CRC-32 of A followed by B, from crc32_of(A), crc32_of(B) and B's size (zlib's
// crc32_combine): lets a large buffer be checked in parallel pieces.
uint32_t crc32_combine_of(uint32_t crc_a, uint32_t crc_b, uint64_t size_b);

}  // namespace brivl
