#include "text/text_lines.h"

#include <filesystem>

#include "text/unicode_text.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace brivl {
namespace {

// Python universal newlines: "\n", "\r\n" and "\r" end a line; a final line without an ending
// counts, an empty remainder after the last ending does not.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      lines.push_back(std::move(current));
      current.clear();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      current += c;
    }
  }
  if (!current.empty()) lines.push_back(std::move(current));
  return lines;
}

std::string stripped(const std::string& line, const std::string& path, size_t number) {
  BRIVL_CHECK(unicode::is_valid_utf8(line), path, ":", number, ": not valid UTF-8 (texts must be UTF-8 encoded)");
  const auto cps = unicode::decode_utf8(line);
  return unicode::encode_utf8(unicode::python_strip(cps));
}

}  // namespace

std::vector<std::string> read_text_lines(const std::string& path) {
  auto text = read_file(path);
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 byte order mark
  std::vector<std::string> out;
  const auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) out.push_back(stripped(lines[i], path, i + 1));
  return out;
}

std::vector<std::string> read_path_list(const std::string& path, const std::string& root) {
  const auto base = root.empty() ? std::filesystem::path(path).parent_path() : std::filesystem::path(root);
  std::vector<std::string> out;
  const auto lines = split_lines(read_file(path));
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto entry = stripped(lines[i], path, i + 1);
    BRIVL_CHECK(!entry.empty(), path, ":", i + 1, ": empty line (expected an image path)");
    const std::filesystem::path p(entry);
    out.push_back(p.is_absolute() ? entry : (base / p).string());
  }
  return out;
}

}  // namespace brivl
