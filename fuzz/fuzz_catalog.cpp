// An index database (brivl index --db) that is damaged or not one: opened, listed, checked.
#include "fuzz_support.h"
#include "retrieval/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = brivl::fuzz::as_file(data, size, ".db");
  for (const char* side : {"-wal", "-shm", "-journal"}) std::remove((path + side).c_str());
  brivl::fuzz::expect_clear_error([&] {
    auto catalog = brivl::Catalog::open(path, false);
    catalog.entries();
    catalog.skipped_files();
    catalog.vector_dim();
    catalog.for_each_vector([](const float*, int64_t) {});
  });
  return 0;
}
