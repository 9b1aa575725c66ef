#pragma once
// Errors inside brivl_core: one exception type carrying a message that names the file/field and
// what was expected. Messages are built from streamable parts so values show up verbatim.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace brivl {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <typename... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}
}  // namespace detail

}  // namespace brivl

// Throws brivl::Error with the parts streamed together when `cond` is false.
#define BRIVL_CHECK(cond, ...)                                        \
  do {                                                                \
    if (!(cond)) throw ::brivl::Error(::brivl::detail::concat(__VA_ARGS__)); \
  } while (0)

// Throws unconditionally (for unreachable / bad-input branches).
#define BRIVL_FAIL(...) throw ::brivl::Error(::brivl::detail::concat(__VA_ARGS__))
