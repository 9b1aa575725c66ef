#pragma once
// `brivl train --nproc-per-node N`: starts N copies of this very command on this machine as the
// ranks of one data-parallel job (what `torchrun --nproc-per-node N` does), then supervises them.
//   - each child gets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT (a free
//     port) and, unless the user chose, BRIVL_THREADS = cores / N;
//   - the children run in their own process group, so a terminal's Ctrl-C reaches them once,
//     forwarded by the launcher (a second Ctrl-C is forwarded too: stop at once), and they get
//     SIGTERM if the launcher itself dies;
//   - when a rank exits with an error or a signal while others still run, the launcher says
//     which and sends the others SIGTERM; any rank still running `grace_s` after one ended badly
//     (or was stopped) gets SIGKILL.
// Returns the exit status for the launcher: 0 when every rank finished, 130 when stopped,
// else the first failed rank's status (128 + signal for a signal).
#include <string>
#include <vector>

namespace brivl::cli {

struct LocalLaunchOptions {
  int processes = 2;
  double grace_s = 10;
  bool set_threads = true;  // false: the user gave --threads or BRIVL_THREADS
};

// `arguments`: this process's command line (argv[1...]) without --nproc-per-node.
int launch_local_ranks(const std::vector<std::string>& arguments, const LocalLaunchOptions& options);

// This process's command line, argv[1...] (from /proc/self/cmdline), with `option` and its value
// (as "--opt V" or "--opt=V") removed.
std::vector<std::string> own_arguments_without(const std::string& option);

}  // namespace brivl::cli
