#pragma once
// Crash-safe file writing: data goes to `<path>.tmp-<pid>` in the same directory, is fsync'ed and
// then renamed over `path`, so readers see either the old file or the complete new one.
#include <cstddef>
#include <cstdio>
#include <string>

namespace brivl {

class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();  // removes the temporary file unless commit() succeeded
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  size_t written() const { return written_; }
  void commit();  // flush, fsync, rename; throws brivl::Error naming the path on failure

 private:
  std::string path_, temp_path_;
  std::FILE* file_ = nullptr;
  size_t written_ = 0;
  bool committed_ = false;
};

void write_file_atomically(const std::string& path, const std::string& bytes);

// Reads a whole file; throws brivl::Error naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace brivl
