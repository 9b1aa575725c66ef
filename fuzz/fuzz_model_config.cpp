// A model bundle's config.yml (the official BriVL YAML layout).
#include "fuzz_support.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brivl::fuzz::expect_clear_error([&] {
    const auto config = brivl::parse_model_config(brivl::fuzz::bytes(data, size), "config.yml");
    brivl::model_config_to_yaml(config);
  });
  return 0;
}
