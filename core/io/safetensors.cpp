#include <nlohmann/json.hpp>

#include <algorithm>

#include "io/safetensors_reader.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/json_number.h"

namespace brivl {
namespace {

const std::vector<std::pair<std::string, torch::ScalarType>>& dtype_names() {
  static const std::vector<std::pair<std::string, torch::ScalarType>> names = {
      {"F64", torch::kFloat64}, {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},   {"I8", torch::kInt8},
      {"U8", torch::kUInt8},    {"BOOL", torch::kBool}};
  return names;
}

constexpr uint64_t kMaxHeader = 100u << 20;

}  // namespace

torch::ScalarType dtype_of_safetensors_name(const std::string& name) {
  for (const auto& [n, t] : dtype_names()) {
    if (n == name) return t;
  }
  BRIVL_FAIL("unsupported safetensors dtype '", name, "'");
}

std::string safetensors_name_of_dtype(torch::ScalarType dtype) {
  for (const auto& [n, t] : dtype_names()) {
    if (t == dtype) return n;
  }
  BRIVL_FAIL("dtype ", c10::toString(dtype), " cannot be stored in safetensors");
}

namespace {

// A header field that must be an array of integers, each read as T only where it fits:
// nlohmann's get<uint64_t>() of 1.6e23 is undefined behaviour (found by fuzz/fuzz_checkpoint).
template <typename T>
std::vector<T> integer_array(const nlohmann::json& info, const char* field) {
  const auto& value = info.at(field);
  BRIVL_CHECK(value.is_array(), "'", field, "' is not an array");
  std::vector<T> out;
  for (const auto& v : value) {
    BRIVL_CHECK(json_holds<T>(v), "'", field, "' holds ", v.dump(), ", not an integer in range");
    out.push_back(v.template get<T>());
  }
  return out;
}

}  // namespace

SafetensorsReader::SafetensorsReader(const std::string& path)
    : CheckpointReader(path, "safetensors"), file_(path, std::ios::binary) {
  BRIVL_CHECK(file_, path, ": cannot open");
  file_.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(file_.tellg());
  file_.seekg(0);
  unsigned char len_bytes[8] = {};
  file_.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  BRIVL_CHECK(file_ && header_len <= kMaxHeader && 8 + header_len <= file_size, path,
              ": safetensors header length ", header_len, " does not fit the file (", file_size, " bytes)");
  std::string header(header_len, '\0');
  file_.read(header.data(), static_cast<std::streamsize>(header_len));
  data_start_ = 8 + header_len;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const nlohmann::json::exception& e) {
    BRIVL_FAIL(path, ": safetensors header is not valid JSON (", e.what(), ")");
  }
  BRIVL_CHECK(j.is_object(), path, ": safetensors header is not a JSON object");
  std::vector<CheckpointEntry> found;
  for (const auto& [key, info] : j.items()) {
    if (key == "__metadata__") continue;
    try {
      CheckpointEntry e;
      e.key = key;
      e.dtype = dtype_of_safetensors_name(info.at("dtype").get<std::string>());
      e.shape = integer_array<int64_t>(info, "shape");
      const auto offsets = integer_array<uint64_t>(info, "data_offsets");
      BRIVL_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1], "bad data_offsets");
      e.byte_begin = offsets[0];
      e.byte_end = offsets[1];
      int64_t numel = 1;
      for (auto s : e.shape) {
        BRIVL_CHECK(s >= 0, "negative dimension");
        BRIVL_CHECK(!__builtin_mul_overflow(numel, s, &numel), "shape overflows");
      }
      uint64_t expected = 0;
      BRIVL_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(numel), c10::elementSize(e.dtype), &expected),
                  "shape overflows");
      BRIVL_CHECK(e.byte_end - e.byte_begin == expected, "data_offsets cover ", e.byte_end - e.byte_begin,
                  " bytes, shape and dtype need ", expected);
      BRIVL_CHECK(e.byte_end <= file_size - data_start_, "data ends at byte ", e.byte_end, " after the header but the file has ",
                  file_size - data_start_, " data bytes (truncated?)");
      found.push_back(std::move(e));
    } catch (const nlohmann::json::exception& err) {
      BRIVL_FAIL(path, ": tensor '", key, "': malformed header entry (", err.what(), ")");
    } catch (const Error& err) {
      BRIVL_FAIL(path, ": tensor '", key, "': ", err.what());
    }
  }
  // List entries in file (data offset) order, the order they were written in.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.byte_begin < b.byte_begin; });
  for (auto& e : found) add_entry(std::move(e));
}

torch::Tensor SafetensorsReader::read(const CheckpointEntry& e) {
  auto t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
  file_.clear();
  file_.seekg(static_cast<std::streamoff>(data_start_ + e.byte_begin));
  file_.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(e.byte_end - e.byte_begin));
  BRIVL_CHECK(file_, path_, ": cannot read tensor '", e.key, "' (file truncated?)");
  return t;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [key, tensor] : tensors) {
    auto t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = t.numel() * t.element_size();
    header[key] = {{"dtype", safetensors_name_of_dtype(t.scalar_type())},
                   {"shape", t.sizes().vec()},
                   {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(t);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((uint64_t{text.size()} >> (8 * i)) & 0xff);
  AtomicFileWriter out(path);
  out.write(len, 8);
  out.write(text.data(), text.size());
  for (const auto& t : data) out.write(t.data_ptr(), t.numel() * t.element_size());
  out.commit();
}

}  // namespace brivl
