// Chinese colour words, and a prompt's colour rivals: the same prompt in other colours. The layout
// search's colour sweep ranks colours by how much likelier the model finds the prompt than its
// rivals (right-colour evidence), not by the bare similarity, which a model may give as readily
// to the wrong colour in the right shape and place (docs/IMAGINE_QUALITY.md, seventh round).
// Torch-free.
#pragma once

#include <string>
#include <vector>

namespace brivl {

// The colour words a prompt is read for: 红色 橙色 黄色 绿色 青色 蓝色 紫色 粉色 白色 灰色 黑色 棕色.
const std::vector<std::string>& colour_words();

// A comma-separated list of colour words ("红色,黄色"; "" = none), each one of colour_words() and
// none twice. Errors name `option` and the word.
std::vector<std::string> parse_colour_words(const std::string& list, const std::string& option);

// The one colour word of colour_words() the prompt names, or "" when it names none, more than
// one (or one twice), or is a weighted or image prompt (parse_prompt gives anything but one plain
// text term). 粉红色 (pink) holds 红色 but is not it: such a prompt names none.
std::string named_colour(const std::string& prompt);

// The prompt with its named_colour() replaced by each of `rivals` other than itself, in their
// order; empty where the prompt names no colour.
std::vector<std::string> colour_rivals(const std::string& prompt, const std::vector<std::string>& rivals);

}  // namespace brivl
