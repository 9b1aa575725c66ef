#pragma once
// Shared by the libFuzzer targets (fuzz/README.md). A reader may refuse bytes only with
// brivl::Error (the program's "clear error naming the file"): any other exception escaping it, a
// crash, a leak or undefined behaviour (ASan + UBSan) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "util/error.h"

namespace brivl::fuzz {

inline std::string bytes(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// Runs `read`, accepting a brivl::Error as the reader's answer to bad bytes.
template <typename F>
void expect_clear_error(F&& read) {
  try {
    read();
  } catch (const brivl::Error&) {
  }
}

// The bytes as a file with this extension (readers that take a path), one per process, rewritten
// for every input.
inline std::string as_file(const uint8_t* data, size_t size, const std::string& extension) {
  const std::string path = "/tmp/brivl-fuzz-" + std::to_string(::getpid()) + extension;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

}  // namespace brivl::fuzz
