// The zip directory of a .pth checkpoint (PyTorch's container), read before any tensor.
#include "fuzz_support.h"
#include "io/zip_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = brivl::fuzz::as_file(data, size, ".pth");
  brivl::fuzz::expect_clear_error([&] { brivl::read_zip_directory(path); });
  return 0;
}
