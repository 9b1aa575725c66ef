// A training run's train_options.json (read again by --resume, and written by anyone by hand).
#include "fuzz_support.h"
#include "train/train_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brivl::fuzz::expect_clear_error([&] {
    const auto o = brivl::train_options_from_json(brivl::fuzz::bytes(data, size), "train_options.json");
    o.validate();
  });
  return 0;
}
