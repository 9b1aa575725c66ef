#pragma once
// Finding the images under the folders a user indexes: recursive, without following directory
// symlinks (no loops), unreadable folders reported instead of aborting the scan.
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

struct ScannedFile {
  std::string path;  // absolute, lexically normal
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

struct ScanResult {
  std::vector<ScannedFile> files;                              // sorted by path
  std::vector<std::pair<std::string, std::string>> problems;  // (path, reason)
};

// Image files (by extension: jpg jpeg png webp bmp tif tiff gif, any case) under `roots`
// (folders or single files). A root that does not exist is an error naming it.
ScanResult scan_images(const std::vector<std::string>& roots);

// 128-bit XXH3 of a file's bytes as 32 hex digits: identifies content across renames.
std::string content_hash(const std::string& path);
std::string content_hash_of(const std::string& bytes);

}  // namespace brivl
