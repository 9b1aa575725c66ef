// The prompt parser: "猫:1 | 雪地:0.5 | @ref.jpg:-0.3" as typed by a user.
#include "fuzz_support.h"
#include "text/prompt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brivl::fuzz::expect_clear_error([&] {
    const auto terms = brivl::parse_prompt(brivl::fuzz::bytes(data, size));
    // What parses formats back to a prompt that parses to the same terms.
    const auto again = brivl::parse_prompt(brivl::format_prompt(terms));
    if (again.size() != terms.size()) __builtin_trap();
  });
  return 0;
}
