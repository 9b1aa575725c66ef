#pragma once
// A one-line progress display on stderr, shown only when stderr is a terminal (scripts and
// pipes get clean output).
#include <chrono>
#include <string>

#include "embed/embedder.h"

namespace brivl::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string what);
  ~ProgressLine();  // ends the line
  EmbedHooks hooks();

 private:
  void show(int64_t done, int64_t total);
  std::string what_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace brivl::cli
