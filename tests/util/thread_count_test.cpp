#include "util/thread_count.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <stdexcept>
#include <string>
#include <thread>

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
    try {
      default_thread_count();
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("BRIVL_THREADS"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace brivl
