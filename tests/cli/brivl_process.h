#pragma once
// Runs the `brivl` executable as a user's shell would, in a child process, with stdout and stderr
// captured; optionally under a file-size limit (a stand-in for a full disk) and with a callback
// polled while it runs (to send a signal, e.g. once a checkpoint appears).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "util/atomic_file.h"

namespace brivl::test {

struct BrivlResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out, err;
};

struct BrivlRun {
  // Files the process writes may not grow past this many bytes (0: no limit). Writes beyond it
  // fail with EFBIG ("File too large") at exactly the calls where a full disk fails with ENOSPC;
  // SIGXFSZ is ignored, as a shell's `trap '' XFSZ; ulimit -f` does, so the program sees the error.
  // No root, no loop device, no tmpfs needed. stdout and stderr go to files under the limit too.
  rlim_t file_size_limit = 0;
  std::function<bool(pid_t)> until;  // polled every 20 ms while the process runs; true: done signalling
  std::vector<std::string> env;      // "NAME=value" added to the process's environment
};

inline BrivlResult run_brivl(const std::vector<std::string>& args, const BrivlRun& how = {}) {
  TempDir io;
  const auto out = io.file("out"), err = io.file("err");
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    if (how.file_size_limit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // an ignored signal stays ignored across exec
      const rlimit limit{how.file_size_limit, how.file_size_limit};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
    }
    for (const auto& e : how.env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{const_cast<char*>(BRIVL_CLI)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(BRIVL_CLI, argv.data());
    _exit(127);
  }
  int status = 0;
  bool signalled = false;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (how.until && !signalled && how.until(pid)) signalled = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  BrivlResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace brivl::test
