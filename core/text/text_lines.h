#pragma once
// Reading input lists the way the official scripts do: `open(path).readlines()` (a line ends at
// "\n", "\r\n" or "\r") and `str.strip()` (Unicode whitespace, e.g. U+3000).
#include <string>
#include <vector>

namespace brivl {

// Texts file: every line is one text (an empty line is an empty text). Invalid UTF-8 is an error
// naming the line.
std::vector<std::string> read_text_lines(const std::string& path);

// Image list: one path per line; relative paths are taken relative to `root` (example.py's
// --data_root), or to the list's own folder when `root` is empty. A blank line is an error naming
// the line (the official loader would fail on it too).
std::vector<std::string> read_path_list(const std::string& path, const std::string& root = "");

}  // namespace brivl
