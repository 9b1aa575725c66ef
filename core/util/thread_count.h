// The number of CPU threads "0 = automatic" means: $BRIVL_THREADS when it holds a positive
// integer, else every core. One place, so the CLI, the studio, training and the tests agree, and
// a machine shared by several jobs (ctest -j2 on two cores) can give each job its own core
// instead of letting their OpenMP pools spin against each other.
#pragma once

namespace brivl {

// Throws brivl's error (util/error.h) naming BRIVL_THREADS when it is set but not a positive integer.
int default_thread_count();

}  // namespace brivl
