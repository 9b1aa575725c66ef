#include "output_format.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace brivl::cli {

std::string format_float(float value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", static_cast<double>(value));
  return buffer;
}

std::string json_array(const float* values, int64_t count) {
  std::string out = "[";
  for (int64_t i = 0; i < count; ++i) {
    if (i) out += ",";
    out += format_float(values[i]);
  }
  return out + "]";
}

std::string json_array(const std::vector<int64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(values[i]);
  }
  return out + "]";
}

std::string json_string(const std::string& text) {
  // Invalid UTF-8 is replaced rather than failing the whole output line.
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace brivl::cli
