#include "progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace brivl::cli {

ProgressLine::ProgressLine(std::string what)
    : what_(std::move(what)), enabled_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() {
  if (shown_) std::fputc('\n', stderr);
}

EmbedHooks ProgressLine::hooks() {
  EmbedHooks h;
  if (enabled_) h.on_progress = [this](int64_t done, int64_t total) { show(done, total); };
  return h;
}

void ProgressLine::show(int64_t done, int64_t total) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  std::fprintf(stderr, "\r%s %lld/%lld  %.1f/s  ETA %.0f s   ", what_.c_str(), static_cast<long long>(done),
               static_cast<long long>(total), rate, eta);
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace brivl::cli
