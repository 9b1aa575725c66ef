#include "train/distributed/launch_environment.h"

#include <cstdlib>
#include <optional>

#include "util/error.h"

namespace brivl {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

int env_int(const char* name, int fallback, int lowest, int highest) {
  const auto text = env(name);
  if (!text) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  BRIVL_CHECK(end != text->c_str() && *end == '\0' && value >= lowest && value <= highest, "environment variable ", name,
              "='", *text, "': expected a whole number from ", lowest, " to ", highest);
  return static_cast<int>(value);
}

}  // namespace

LaunchEnvironment LaunchEnvironment::from_environment() {
  LaunchEnvironment e;
  e.world_size = env_int("WORLD_SIZE", 1, 1, 65536);
  e.rank = env_int("RANK", 0, 0, 65535);
  e.local_rank = env_int("LOCAL_RANK", e.rank, 0, 65535);
  BRIVL_CHECK(e.rank < e.world_size, "environment variable RANK=", e.rank, " is not below WORLD_SIZE=", e.world_size);
  if (e.world_size > 1) {
    BRIVL_CHECK(env("RANK").has_value(), "environment variable WORLD_SIZE=", e.world_size,
                " is set but RANK is not (set both, as torchrun does, or neither)");
    const auto addr = env("MASTER_ADDR");
    BRIVL_CHECK(addr.has_value(), "environment variable MASTER_ADDR is not set: the address of rank 0 is needed to join a ",
                e.world_size, "-process job");
    e.master_addr = *addr;
    e.master_port = env_int("MASTER_PORT", 29500, 1, 65535);
    const auto agent = env("TORCHELASTIC_USE_AGENT_STORE");
    e.agent_store = agent && (*agent == "True" || *agent == "true" || *agent == "1");
    e.run_id = env("TORCHELASTIC_RUN_ID").value_or("");
    e.restart = env_int("TORCHELASTIC_RESTART_COUNT", 0, 0, 1 << 30);
  }
  return e;
}

}  // namespace brivl
