#include "text/colour_words.h"

#include <algorithm>
#include <optional>

#include "text/prompt.h"
#include "util/error.h"

namespace brivl {

const std::vector<std::string>& colour_words() {
  static const std::vector<std::string> words = {"红色", "橙色", "黄色", "绿色", "青色", "蓝色",
                                                 "紫色", "粉色", "白色", "灰色", "黑色", "棕色"};
  return words;
}

std::vector<std::string> parse_colour_words(const std::string& list, const std::string& option) {
  std::vector<std::string> words;
  if (list.empty()) return words;
  size_t begin = 0;
  while (true) {
    const size_t comma = list.find(',', begin);
    const std::string word = list.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    const auto& known = colour_words();
    BRIVL_CHECK(std::find(known.begin(), known.end(), word) != known.end(), option, ": '", word,
                "' is not a colour word (expected a comma-separated list of 红色 橙色 黄色 绿色 青色 蓝色 紫色 "
                "粉色 白色 灰色 黑色 棕色, or nothing)");
    BRIVL_CHECK(std::find(words.begin(), words.end(), word) == words.end(), option, ": '", word, "' is listed twice");
    words.push_back(word);
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return words;
}

namespace {

size_t count_of(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + word.size())) ++n;
  return n;
}

// The plain text of a one-term prompt, or nothing.
std::optional<std::string> plain_text(const std::string& prompt) {
  std::vector<PromptTerm> terms;
  try {
    terms = parse_prompt(prompt);
  } catch (const std::exception&) {
    return std::nullopt;  // imagine reports a bad prompt itself, with its own message
  }
  if (terms.size() != 1 || terms[0].is_image || terms[0].weight != 1.0) return std::nullopt;
  return terms[0].text;
}

std::string colour_in(const std::string& text) {
  if (text.find("粉红色") != std::string::npos) return "";
  std::string named;
  size_t occurrences = 0;
  for (const auto& word : colour_words()) {
    const size_t n = count_of(text, word);
    if (n > 0) named = word, occurrences += n;
  }
  return occurrences == 1 ? named : "";
}

}  // namespace

std::string named_colour(const std::string& prompt) {
  const auto text = plain_text(prompt);
  return text ? colour_in(*text) : "";
}

std::vector<std::string> colour_rivals(const std::string& prompt, const std::vector<std::string>& rivals) {
  const auto text = plain_text(prompt);
  if (!text) return {};
  const std::string named = colour_in(*text);
  if (named.empty()) return {};
  const size_t at = text->find(named);
  std::vector<std::string> out;
  for (const auto& word : rivals)
    if (word != named) out.push_back(text->substr(0, at) + word + text->substr(at + named.size()));
  return out;
}

}  // namespace brivl
