#include "util/thread_count.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "util/error.h"

namespace brivl {

int default_thread_count() {
  const char* env = std::getenv("BRIVL_THREADS");
  if (env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    BRIVL_CHECK(*end == '\0' && n >= 1 && n <= 4096, "BRIVL_THREADS: expected a positive number of threads, got \"",
                env, "\"");
    return static_cast<int>(n);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace brivl
