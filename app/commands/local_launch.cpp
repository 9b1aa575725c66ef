#include "local_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "util/error.h"
#include "util/thread_count.h"

namespace brivl::cli {
namespace {

std::atomic<int> forwarded_signal{0};
extern "C" void remember_signal(int sig) { forwarded_signal.store(sig); }

// A port nobody listens on now (the kernel's pick); rank 0's store binds it a moment later.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BRIVL_CHECK(fd >= 0, "--nproc-per-node: cannot open a socket (", std::strerror(errno), ")");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  BRIVL_CHECK(ok, "--nproc-per-node: no free port on 127.0.0.1 (", std::strerror(errno), ")");
  return ntohs(addr.sin_port);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

int exit_code(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

}  // namespace

std::vector<std::string> own_arguments_without(const std::string& option) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  BRIVL_CHECK(in.good(), "--nproc-per-node: cannot read /proc/self/cmdline");
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t pos = 0; pos < all.size();) {
    const size_t end = all.find('\0', pos);
    args.push_back(all.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  std::vector<std::string> kept;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == option) {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind(option + "=", 0) == 0) continue;
    kept.push_back(args[i]);
  }
  return kept;
}

int launch_local_ranks(const std::vector<std::string>& arguments, const LocalLaunchOptions& options) {
  const int n = options.processes;
  BRIVL_CHECK(n >= 1 && n <= 256, "--nproc-per-node ", n, ": expected 1 to 256");
  const int port = free_port();
  const int threads = std::max(1, default_thread_count() / n);
  const pid_t launcher = ::getpid();

  struct sigaction sa {};
  sa.sa_handler = remember_signal;  // the supervision loop below forwards it within 50 ms
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);

  std::vector<pid_t> pids(static_cast<size_t>(n), -1);
  std::vector<int> statuses(static_cast<size_t>(n), 0);
  std::vector<char> running(static_cast<size_t>(n), 0);
  // Everything the children need is built before fork(): between fork and exec a child of this
  // (threaded) process may only make async-signal-safe calls.
  const std::vector<std::string> ours = {"RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  std::vector<std::string> inherited;
  for (char** e = ::environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    const bool replaced = std::find(ours.begin(), ours.end(), name) != ours.end() || (options.set_threads && name == "BRIVL_THREADS");
    if (!replaced) inherited.push_back(entry);
  }
  std::vector<std::vector<std::string>> envs(static_cast<size_t>(n), inherited);
  for (int rank = 0; rank < n; ++rank) {
    auto& e = envs[static_cast<size_t>(rank)];
    e.insert(e.end(), {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(n),
                       "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)});
    if (options.set_threads) e.push_back("BRIVL_THREADS=" + std::to_string(threads));
  }
  std::vector<std::vector<char*>> envps(static_cast<size_t>(n));
  for (int rank = 0; rank < n; ++rank) {
    for (auto& entry : envs[static_cast<size_t>(rank)]) envps[static_cast<size_t>(rank)].push_back(entry.data());
    envps[static_cast<size_t>(rank)].push_back(nullptr);
  }
  std::string self = "/proc/self/exe";
  std::vector<std::string> args = arguments;
  std::vector<char*> argv{self.data()};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  static const char exec_failed[] = "brivl train: a rank could not start (exec of /proc/self/exe failed)\n";

  for (int rank = 0; rank < n; ++rank) {
    const pid_t pid = ::fork();
    BRIVL_CHECK(pid >= 0, "--nproc-per-node: cannot start rank ", rank, " (", std::strerror(errno), ")");
    if (pid == 0) {
      ::setpgid(0, 0);                    // the terminal's Ctrl-C goes to the launcher only
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a launcher that dies takes its ranks with it
      if (::getppid() != launcher) ::_exit(143);
      ::execve(self.c_str(), argv.data(), envps[static_cast<size_t>(rank)].data());
      [[maybe_unused]] const auto written = ::write(STDERR_FILENO, exec_failed, sizeof(exec_failed) - 1);
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from here: no window in which the terminal's signal reaches it
    pids[static_cast<size_t>(rank)] = pid;
    running[static_cast<size_t>(rank)] = 1;
  }
  std::fprintf(stderr, "brivl train: %d processes on this machine (ranks 0-%d, 127.0.0.1:%d%s)\n", n, n - 1, port,
               options.set_threads ? (", " + std::to_string(threads) + " threads each").c_str() : "");

  int left = n, first_failure = -1;
  bool stopping = false;
  using Clock = std::chrono::steady_clock;
  Clock::time_point kill_at{};
  while (left > 0) {
    if (const int sig = forwarded_signal.exchange(0)) {
      for (int r = 0; r < n; ++r)
        if (running[static_cast<size_t>(r)]) ::kill(pids[static_cast<size_t>(r)], sig);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int r = 0; r < n; ++r) {
        if (pids[static_cast<size_t>(r)] != pid) continue;
        running[static_cast<size_t>(r)] = 0;
        statuses[static_cast<size_t>(r)] = status;
        --left;
        const int code = exit_code(status);
        if (code != 0 && code != 130 && first_failure < 0) {
          first_failure = r;
          if (left > 0) {
            std::fprintf(stderr, "brivl train: rank %d %s; stopping the other ranks\n", r, describe(status).c_str());
            for (int o = 0; o < n; ++o)
              if (running[static_cast<size_t>(o)]) ::kill(pids[static_cast<size_t>(o)], SIGTERM);
          } else {
            std::fprintf(stderr, "brivl train: rank %d %s\n", r, describe(status).c_str());
          }
        }
        // Once one rank has ended badly (or stopped: 130), the others get the grace time to end
        // too; one that cannot (blocked waiting for the rank that is gone) is killed after it.
        if (code != 0 && left > 0 && !stopping) {
          stopping = true;
          kill_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(options.grace_s * 1000));
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (stopping && Clock::now() >= kill_at) {
      for (int o = 0; o < n; ++o)
        if (running[static_cast<size_t>(o)]) {
          std::fprintf(stderr, "brivl train: rank %d did not stop within %.0f s; killing it\n", o, options.grace_s);
          ::kill(pids[static_cast<size_t>(o)], SIGKILL);
        }
      stopping = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (first_failure >= 0) return exit_code(statuses[static_cast<size_t>(first_failure)]);
  for (int s : statuses)
    if (exit_code(s) == 130) return 130;
  return 0;
}

}  // namespace brivl::cli
