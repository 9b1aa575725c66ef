// Caption tables a user hands to brivl train / eval: CSV, TSV or JSONL (the first byte picks).
#include "fuzz_support.h"
#include "train/caption_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kExtensions[] = {".csv", ".tsv", ".jsonl"};
  const auto path = brivl::fuzz::as_file(data + 1, size - 1, kExtensions[data[0] % 3]);
  brivl::CaptionTableOptions options;
  options.check_files_exist = false;  // the rows' images are not there: the parser is what is fuzzed
  brivl::fuzz::expect_clear_error([&] {
    const auto table = brivl::read_caption_table(path, options);
    if (table.images.size() != table.texts.size()) __builtin_trap();
    table.skipped.summary();
  });
  return 0;
}
