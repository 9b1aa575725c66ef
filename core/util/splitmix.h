#pragma once
// SplitMix64 (Steele, Lea, Flood 2014): the one fixed, platform-independent mixing function behind
// every seeded choice of the data tools (shapes, splits, loader order, augmentation). Unlike the
// <random> distributions it gives the same numbers with every standard library.
#include <cstdint>

namespace brivl {

inline constexpr uint64_t kSplitMixGamma = 0x9e3779b97f4a7c15ULL;

// The output function (finaliser) of SplitMix64.
inline constexpr uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// One generator step from state `x`: the mix of x + gamma. splitmix64(0) == 0xe220a8397b1dcdaf.
inline constexpr uint64_t splitmix64(uint64_t x) { return splitmix64_mix(x + kSplitMixGamma); }

}  // namespace brivl
