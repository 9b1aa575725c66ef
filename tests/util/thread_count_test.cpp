#include "util/thread_count.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <thread>

#include "test_support.h"

namespace brivl {
namespace {

// Sets BRIVL_THREADS for one scope and puts back what ctest gave the test.
class ScopedThreadsEnv {
 public:
  explicit ScopedThreadsEnv(const char* value) {
    if (const char* old = std::getenv("BRIVL_THREADS")) old_ = old, had_ = true;
    if (value) ::setenv("BRIVL_THREADS", value, 1); else ::unsetenv("BRIVL_THREADS");
  }
  ~ScopedThreadsEnv() {
    if (had_) ::setenv("BRIVL_THREADS", old_.c_str(), 1); else ::unsetenv("BRIVL_THREADS");
  }

 private:
  std::string old_;
  bool had_ = false;
};

TEST(ThreadCount, EveryCoreUnlessBrivlThreadsSaysOtherwise) {
  {
    ScopedThreadsEnv env(nullptr);
    EXPECT_EQ(default_thread_count(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  {
    ScopedThreadsEnv env("3");
    EXPECT_EQ(default_thread_count(), 3);
  }
}

TEST(ThreadCount, ABadBrivlThreadsIsAnErrorNamingIt) {
  for (const char* bad : {"0", "-2", "two", "3x", "99999"}) {
    ScopedThreadsEnv env(bad);
    EXPECT_BRIVL_ERROR(default_thread_count(), "BRIVL_THREADS", bad);
  }
}

}  // namespace
}  // namespace brivl
