// The checkpoint readers as `--checkpoint FILE` meets them: CheckpointReader::open sniffs the
// format from the first bytes (PyTorch zip: our zip directory and unpickler around LibTorch's
// PyTorchStreamReader; safetensors: its JSON header), lists every entry, then each is read.
// Needs LibTorch, so it builds with `fuzz_torch` (brivl_core instrumented), not `fuzz_all`.
#include "fuzz_support.h"
#include "io/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = brivl::fuzz::as_file(data, size, ".pth");
  brivl::fuzz::expect_clear_error([&] {
    auto reader = brivl::CheckpointReader::open(path);
    for (const auto& entry : reader->entries()) reader->read(entry);
  });
  return 0;
}
