// Every image a user indexes, embeds or starts an imagination from.
#include "fuzz_support.h"
#include "vision/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brivl::fuzz::expect_clear_error([&] {
    const auto image = brivl::decode_image_bytes(brivl::fuzz::bytes(data, size), "fuzz-image");
    if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) __builtin_trap();
  });
  return 0;
}
