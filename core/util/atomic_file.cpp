#include "util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace brivl {

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp-" + std::to_string(::getpid())) {
  file_ = std::fopen(temp_path_.c_str(), "wb");
  BRIVL_CHECK(file_ != nullptr, path_, ": cannot create (", std::strerror(errno), ")");
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(temp_path_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t size) {
  BRIVL_CHECK(file_ && !committed_, path_, ": write after commit");
  if (size == 0) return;
  BRIVL_CHECK(std::fwrite(data, 1, size, file_) == size, path_, ": write failed (", std::strerror(errno), ")");
  written_ += size;
}

void AtomicFileWriter::commit() {
  BRIVL_CHECK(file_ && !committed_, path_, ": commit twice");
  const bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const int err = errno;
  std::fclose(file_);
  file_ = nullptr;
  BRIVL_CHECK(ok, path_, ": cannot flush to disk (", std::strerror(err), ")");
  BRIVL_CHECK(std::rename(temp_path_.c_str(), path_.c_str()) == 0, path_, ": cannot rename from ", temp_path_, " (",
              std::strerror(errno), ")");
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicFileWriter out(path);
  out.write(bytes.data(), bytes.size());
  out.commit();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BRIVL_CHECK(in, path, ": cannot open (", std::strerror(errno), ")");
  std::ostringstream text;
  text << in.rdbuf();
  BRIVL_CHECK(!in.bad(), path, ": read error");
  return text.str();
}

}  // namespace brivl
