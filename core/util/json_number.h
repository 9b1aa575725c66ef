#pragma once
// Whether a JSON value reads as a T unchanged. nlohmann's get<int>() of 2.7 gives 2, of 1e40 is
// undefined behaviour, of 4294967297 wraps, and get<uint64_t>() of -1 wraps (found by
// fuzz/fuzz_train_options): a reader of a file a user hands us checks first, and calls anything
// else a wrong type. Header-only; works with nlohmann::json and nlohmann::ordered_json.
#include <cstdint>
#include <limits>
#include <type_traits>

namespace brivl {

template <typename T, typename Json>
bool json_holds(const Json& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean();
  } else if constexpr (std::is_integral_v<T>) {
    if (value.is_number_unsigned())  // JSON's non-negative integers
      return value.template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    if (!value.is_number_integer()) return false;  // a fraction, a string, ...
    const auto x = value.template get<int64_t>();  // negative
    return std::is_signed_v<T> && x >= static_cast<int64_t>(std::numeric_limits<T>::min());
  } else if constexpr (std::is_floating_point_v<T>) {
    return value.is_number();  // JSON numbers are finite; an integer is a fine real
  } else {
    return true;  // strings and containers: get<T>() checks those itself
  }
}

}  // namespace brivl
