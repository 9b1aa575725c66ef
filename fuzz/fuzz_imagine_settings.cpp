// Imagination settings as stored in an export (PNG iTXt, XMP, the .json sidecar) and as handed to
// --replay, then the range checks every run goes through; and a bundle's imagine.json.
#include "fuzz_support.h"
#include "imagine/imagine_recommendation.h"
#include "imagine/imagine_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto text = brivl::fuzz::bytes(data, size);
  brivl::fuzz::expect_clear_error([&] {
    const auto s = brivl::ImagineSettings::from_json(text, "fuzz.json");
    s.validate();
    // What reads writes back to the same settings.
    if (brivl::ImagineSettings::from_json(s.to_json(), "again.json").to_json() != s.to_json()) __builtin_trap();
  });
  brivl::fuzz::expect_clear_error([&] { brivl::parse_imagine_recommendation(text, "imagine.json"); });
  return 0;
}
