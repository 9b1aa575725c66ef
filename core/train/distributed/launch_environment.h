#pragma once
// Torch-free: the CLI reads it before anything loads a model.
#include <string>

namespace brivl {

// Where this process sits in the job, read the way torchrun, torch.distributed.launch and the
// usual Slurm/Kubernetes wrappers announce it.
struct LaunchEnvironment {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // torchrun's static rendezvous serves the store at MASTER_ADDR:MASTER_PORT itself and says so
  // with TORCHELASTIC_USE_AGENT_STORE=True: then rank 0 connects to it instead of serving one.
  bool agent_store = false;
  // torchrun's TORCHELASTIC_RUN_ID and TORCHELASTIC_RESTART_COUNT: a restarted attempt must not
  // read the keys an earlier one left in the agent's store.
  std::string run_id;
  int restart = 0;
  bool distributed() const { return world_size > 1; }
  std::string store_prefix() const { return "brivl/" + run_id + "/attempt-" + std::to_string(restart); }
  // RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_*. None
  // set (or WORLD_SIZE 1): one process. A malformed or inconsistent value throws brivl::Error
  // naming the variable.
  static LaunchEnvironment from_environment();
};

}  // namespace brivl
