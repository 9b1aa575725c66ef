#pragma once
// Text output helpers: JSON lines with compact float formatting, human-readable tables.
#include <ostream>
#include <string>
#include <vector>

#include "embed/embedder.h"

namespace brivl::cli {

// Shortest "%.9g" form: exact round trip for float32.
std::string format_float(float value);
// JSON array of floats / ints.
std::string json_array(const float* values, int64_t count);
std::string json_array(const std::vector<int64_t>& values);
// JSON string literal (UTF-8 kept as is).
std::string json_string(const std::string& text);

}  // namespace brivl::cli
