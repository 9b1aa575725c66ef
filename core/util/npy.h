#pragma once
// Minimal .npy (NumPy format 1.0) support for float32 / float64 / int64 / uint8 C-order arrays:
// enough to write embeddings and to read the reference fixtures.
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

struct NpyArray {
  std::string dtype;            // "<f4", "<f8", "<i8", "|u1"
  std::vector<int64_t> shape;
  std::vector<char> data;       // raw little-endian bytes, C order
  int64_t numel() const;
  std::vector<float> as_float() const;  // converts f4/f8/i8/u1 to float
};

NpyArray read_npy(const std::string& path);
// Writes float32 data of the given shape (atomically).
void write_npy_float32(const std::string& path, const std::vector<float>& data, const std::vector<int64_t>& shape);

}  // namespace brivl
