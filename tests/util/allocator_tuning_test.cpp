// keep_freed_memory_for_reuse(): a block of a model activation's size, freed and asked for again,
// comes back without the kernel faulting its pages in anew; the user's own glibc settings win.
// (Each test runs in a process of its own under ctest, so changing malloc here touches nothing else.)
#include "util/allocator_tuning.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace brivl {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Minor page faults of allocating, touching and freeing a 64 MiB block (a B5 activation at batch 8).
long faults_of_one_pass() {
  constexpr size_t kBytes = size_t{64} << 20;
  const long before = minor_faults();
  auto* block = static_cast<char*>(std::malloc(kBytes));
  std::memset(block, 1, kBytes);
  // The block escapes: the compiler may not elide the allocation or the writes.
  asm volatile("" : : "r"(block) : "memory");
  std::free(block);
  return minor_faults() - before;
}

// Sanitizers bring their own malloc, which ignores mallopt.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BRIVL_SANITIZED_MALLOC 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BRIVL_SANITIZED_MALLOC 1
#endif

// Removes GLIBC_TUNABLES and every MALLOC_* variable (the user's knobs) from this process.
void clear_users_malloc_settings() {
  ::unsetenv("GLIBC_TUNABLES");
  for (bool found = true; found;) {
    found = false;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "MALLOC_", 7) == 0) {
        const std::string name(*e, std::strchr(*e, '=') - *e);
        ::unsetenv(name.c_str());
        found = true;
        break;
      }
    }
  }
}

#if defined(__GLIBC__) && !defined(BRIVL_SANITIZED_MALLOC)
TEST(AllocatorTuning, TheDefaultFaultsAllPagesEachTimeWhichIsWhatTheTuningRemoves) {
  // The measurement below can fail: without the tuning every pass faults all 16,384 pages in.
  // (First in the file: in one process, the tests after it have tuned malloc.)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) GTEST_SKIP() << "GLIBC_TUNABLES is set";
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "MALLOC_", 7) == 0) GTEST_SKIP() << *e << " is set";
  }
  faults_of_one_pass();
  EXPECT_GT(faults_of_one_pass(), 16000);
}

TEST(AllocatorTuning, AFreedActivationSizedBlockIsReusedWithoutNewPageFaults) {
  clear_users_malloc_settings();
  ASSERT_FALSE(keep_freed_memory_for_reuse().empty());
  faults_of_one_pass();  // the first pass grows the heap: its pages are faulted in once
  const long again = faults_of_one_pass();
  // 64 MiB is 16,384 pages: without the tuning glibc maps and unmaps the block each time.
  EXPECT_LT(again, 1000) << "minor page faults of the second pass";
}

TEST(AllocatorTuning, TheUsersOwnMallocSettingsWin) {
  clear_users_malloc_settings();
  ::setenv("MALLOC_ARENA_MAX", "2", 1);
  EXPECT_EQ(keep_freed_memory_for_reuse(), "");
  ::unsetenv("MALLOC_ARENA_MAX");
}
#endif

}  // namespace
}  // namespace brivl
