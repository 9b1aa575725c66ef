#include "util/npy.h"

#include <cstring>
#include <regex>

#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::vector<float> NpyArray::as_float() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    if (dtype == "<f4") {
      std::memcpy(&out[i], data.data() + 4 * i, 4);
    } else if (dtype == "<f8") {
      double v;
      std::memcpy(&v, data.data() + 8 * i, 8);
      out[i] = static_cast<float>(v);
    } else if (dtype == "<i8") {
      int64_t v;
      std::memcpy(&v, data.data() + 8 * i, 8);
      out[i] = static_cast<float>(v);
    } else {
      out[i] = static_cast<uint8_t>(data[i]);
    }
  }
  return out;
}

NpyArray read_npy(const std::string& path) {
  const auto bytes = read_file(path);
  BRIVL_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, path, ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    BRIVL_CHECK(bytes.size() >= 12, path, ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  }
  BRIVL_CHECK(offset + header_len <= bytes.size(), path, ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  BRIVL_CHECK(std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'")), path, ": .npy header has no descr");
  NpyArray array;
  array.dtype = m[1];
  BRIVL_CHECK(array.dtype == "<f4" || array.dtype == "<f8" || array.dtype == "<i8" || array.dtype == "|u1", path,
              ": unsupported .npy dtype ", array.dtype);
  BRIVL_CHECK(header.find("'fortran_order': False") != std::string::npos, path, ": Fortran-order .npy is not supported");
  BRIVL_CHECK(std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")), path, ": .npy header has no shape");
  const std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    array.shape.push_back(std::stoll(it->str()));
  }
  const size_t item = array.dtype == "|u1" ? 1 : (array.dtype == "<f4" ? 4 : 8);
  const size_t need = static_cast<size_t>(array.numel()) * item;
  BRIVL_CHECK(bytes.size() - offset - header_len >= need, path, ": .npy data is truncated");
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset + header_len),
                    bytes.begin() + static_cast<std::ptrdiff_t>(offset + header_len + need));
  return array;
}

void write_npy_float32(const std::string& path, const std::vector<float>& data, const std::vector<int64_t>& shape) {
  std::string dims;
  for (auto s : shape) dims += std::to_string(s) + ",";
  if (shape.size() > 1) dims.pop_back();  // (n,) for 1-D, (a, b) otherwise
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  write_file_atomically(path, out);
}

}  // namespace brivl
