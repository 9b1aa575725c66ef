#include "util/allocator_tuning.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#include <unistd.h>
#endif

namespace brivl {

namespace {
#if defined(__GLIBC__)
bool user_tuned_malloc() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return true;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "MALLOC_", 7) == 0) return true;
  }
  return false;
}
#endif
}  // namespace

std::string keep_freed_memory_for_reuse(const AllocatorOptions& o) {
#if defined(__GLIBC__)
  if (user_tuned_malloc()) return "";
  // Each call fixes its value (and turns off glibc's dynamic threshold); a refused one leaves the default.
  const bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(o.mmap_threshold)) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, static_cast<int>(o.trim_threshold)) == 1 &&
                  mallopt(M_TOP_PAD, static_cast<int>(o.top_pad)) == 1 &&
                  (!o.single_arena || mallopt(M_ARENA_MAX, 1) == 1);
  return ok ? "glibc malloc keeps freed memory for reuse" : "";
#else
  (void)o;
  return "";
#endif
}

}  // namespace brivl
