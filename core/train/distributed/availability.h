#pragma once
// Whether this build can train on several processes (LibTorch's c10d with Gloo was found when
// it was built). Torch-free, for the CLI and the studio.
namespace brivl {
bool distributed_training_available();
}  // namespace brivl
