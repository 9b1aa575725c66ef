#include "retrieval/file_scan.h"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace fs = std::filesystem;
namespace {

bool has_image_extension(const fs::path& p) {
  static const std::set<std::string> extensions = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"};
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return extensions.count(ext) > 0;
}

void add_file(const fs::path& p, ScanResult& out) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  const auto mtime = fs::last_write_time(p, ec);
  if (ec) {
    out.problems.emplace_back(p.string(), "cannot stat: " + ec.message());
    return;
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  out.files.push_back({p.string(), static_cast<int64_t>(size), static_cast<int64_t>(ns)});
}

}  // namespace

ScanResult scan_images(const std::vector<std::string>& roots) {
  ScanResult out;
  for (const auto& root : roots) {
    std::error_code ec;
    const auto base = fs::absolute(root, ec).lexically_normal();
    BRIVL_CHECK(!ec && fs::exists(base, ec), root, ": no such file or folder");
    if (fs::is_regular_file(base, ec)) {
      if (has_image_extension(base)) add_file(base, out);
      continue;
    }
    // skip_permission_denied: an unreadable sub-folder is reported below, not fatal.
    fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec), end;
    BRIVL_CHECK(!ec, root, ": cannot read folder (", ec.message(), ")");
    for (; it != end; it.increment(ec)) {
      if (ec) {
        out.problems.emplace_back(it->path().string(), "cannot read: " + ec.message());
        ec.clear();
        continue;
      }
      const auto& entry = *it;
      if (entry.is_directory(ec) && ::access(entry.path().c_str(), R_OK | X_OK) != 0) {
        out.problems.emplace_back(entry.path().string(), "folder not readable");
      }
      if (entry.is_regular_file(ec) && has_image_extension(entry.path())) add_file(entry.path(), out);
    }
  }
  std::sort(out.files.begin(), out.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  out.files.erase(std::unique(out.files.begin(), out.files.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
                  out.files.end());
  return out;
}

std::string content_hash_of(const std::string& bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  char text[33];
  std::snprintf(text, sizeof(text), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return text;
}

std::string content_hash(const std::string& path) { return content_hash_of(read_file(path)); }

}  // namespace brivl
