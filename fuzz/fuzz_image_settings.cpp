// Settings embedded in an image someone hands to --replay or drops on the studio: PNG iTXt, JPEG
// and WebP XMP (the first byte picks the extension; the reader sniffs the bytes too).
#include "export/image_export.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kExtensions[] = {".png", ".jpg", ".webp"};
  const auto path = brivl::fuzz::as_file(data + 1, size - 1, kExtensions[data[0] % 3]);
  brivl::fuzz::expect_clear_error([&] { brivl::read_image_settings(path); });
  return 0;
}
