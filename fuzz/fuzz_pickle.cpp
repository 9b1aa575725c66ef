// The unpickler of checkpoints (data.pkl of a .pth): the bytes of a file someone downloaded.
#include "fuzz_support.h"
#include "io/pickle_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brivl::fuzz::expect_clear_error(
      [&] { brivl::unpickle_state_dict(reinterpret_cast<const char*>(data), size, "checkpoint.pth/data.pkl"); });
  return 0;
}
