#include "util/thread_count.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace brivl {

int default_thread_count() {
  const char* env = std::getenv("BRIVL_THREADS");
  if (env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n < 1 || n > 4096)
      throw std::invalid_argument(std::string("BRIVL_THREADS: expected a positive number of threads, got \"") + env + "\"");
    return static_cast<int>(n);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace brivl
