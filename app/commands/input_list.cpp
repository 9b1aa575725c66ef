#include "input_list.h"

#include <map>

#include "text/text_lines.h"

namespace brivl::cli {

void InputList::add_options(CLI::App& command) {
  image_ = command.add_option("--image", images_, "image file (repeatable)")->allow_extra_args(false);
  text_ = command.add_option("--text", texts_, "text (repeatable; an empty text is valid)")->allow_extra_args(false);
  image_file_ = command.add_option("--images-file", image_files_,
                                   "file with one image path per line (relative to the file's folder)")
                    ->allow_extra_args(false);
  command.add_option("--image-root", image_root_,
                     "folder that relative paths in --images-file are relative to (example.py --data_root)");
  text_file_ = command.add_option("--texts-file", text_files_, "UTF-8 file with one text per line (lines are stripped)")
                   ->allow_extra_args(false);
}

std::vector<InputItem> InputList::collect(const CLI::App& command) const {
  std::map<const CLI::Option*, size_t> next;
  std::vector<InputItem> items;
  for (const CLI::Option* opt : command.parse_order()) {
    const size_t i = next[opt]++;
    if (opt == image_) {
      items.push_back({true, images_.at(i)});
    } else if (opt == text_) {
      items.push_back({false, texts_.at(i)});
    } else if (opt == image_file_) {
      for (auto& p : read_path_list(image_files_.at(i), image_root_)) items.push_back({true, std::move(p)});
    } else if (opt == text_file_) {
      for (auto& t : read_text_lines(text_files_.at(i))) items.push_back({false, std::move(t)});
    }
  }
  return items;
}

std::vector<std::string> image_paths(const std::vector<InputItem>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (item.is_image) out.push_back(item.value);
  }
  return out;
}

std::vector<std::string> texts(const std::vector<InputItem>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (!item.is_image) out.push_back(item.value);
  }
  return out;
}

}  // namespace brivl::cli
