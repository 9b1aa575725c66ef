#pragma once
// Cheap identity of a large file (a checkpoint): exported images and retrieval indexes record it
// to tell which weights produced them.
#include <string>

namespace brivl {

// "size:<bytes> crc32:<hex>" with the CRC-32 taken over 16 evenly spaced 64 KiB blocks: fast on
// multi-GB checkpoints, and any re-save or different model changes it.
std::string file_fingerprint(const std::string& path);

}  // namespace brivl
