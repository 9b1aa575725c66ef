#pragma once
// Images and texts given on the command line (--image/--text, --images-file/--texts-file), kept in
// the order the user gave them.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace brivl::cli {

struct InputItem {
  bool is_image = false;
  std::string value;  // path or text
};

class InputList {
 public:
  // Registers --image, --text, --images-file, --texts-file on `command`.
  void add_options(CLI::App& command);
  // Expands files and returns every input in command-line order. Call after parsing.
  std::vector<InputItem> collect(const CLI::App& command) const;

 private:
  std::vector<std::string> images_, texts_, image_files_, text_files_;
  std::string image_root_;
  CLI::Option* image_ = nullptr;
  CLI::Option* text_ = nullptr;
  CLI::Option* image_file_ = nullptr;
  CLI::Option* text_file_ = nullptr;
};

std::vector<std::string> image_paths(const std::vector<InputItem>& items);
std::vector<std::string> texts(const std::vector<InputItem>& items);

}  // namespace brivl::cli
