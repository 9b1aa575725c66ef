#pragma once
// Weighted multi-term prompts, e.g. "猫:1 | 雪地:0.5 | 室内:-0.5 | @ref.jpg:0.3": the one parser
// shared by "imagine" (optimise an image towards a prompt) and retrieval queries, so both read
// the same syntax. Torch-free.
//
// Rules (parse_prompt):
//  1. Input bytes are decoded as UTF-8; invalid bytes never throw: each maximal ill-formed
//     subsequence becomes U+FFFD (Python bytes.decode("utf-8", errors="replace")).
//  2. A prompt that is empty after Python str.strip() (which includes U+3000) is an error.
//  3. Escapes: a backslash before `|` `｜` `:` `：` or `\` makes that character literal; any other
//     backslash (e.g. in C:\dir\a.jpg, or at the very end) is kept as is.
//  4. Terms are separated by unescaped `|` or full-width `｜` (U+FF5C). A term that is empty after
//     stripping (a||b, a leading or trailing bar) is an error naming its 1-based position.
//  5. Weight: only the LAST unescaped `:` / full-width `：` (U+FF1A) of a term is considered. It
//     separates a weight when (a) the character right before it is not an ASCII digit, and (b) what
//     follows, stripped, is an ASCII decimal number: [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?.
//     Otherwise the colon is part of the text, so "时间 12:30 的街道", "比例 3:4" and "12:30" stay
//     text; "第3 :2" (a space before the colon) weights "第3" by 2. inf / nan / hex / full-width
//     digits are not numbers (the term stays text); a number overflowing a double is an error.
//     A weight with nothing before it (":2") is an error. Default weight: 1.
//  6. Text and weight are each stripped (Python str.strip()).
//  7. Text starting with `@@` is a text term with one `@` removed; text starting with a single `@`
//     is an image term: is_image, text = the path after `@` (stripped; an empty path is an error).
//  8. At least one term must have a weight > 0.
#include <string>
#include <vector>

namespace brivl {

struct PromptTerm {
  std::string text;  // UTF-8, trimmed; for image terms the path
  double weight = 1.0;
  bool is_image = false;

  friend bool operator==(const PromptTerm& a, const PromptTerm& b) {
    return a.text == b.text && a.weight == b.weight && a.is_image == b.is_image;
  }
  friend bool operator!=(const PromptTerm& a, const PromptTerm& b) { return !(a == b); }
};

// Parses a prompt by the rules above. Throws brivl::Error with the prompt and the 1-based term
// number in the message.
std::vector<PromptTerm> parse_prompt(const std::string& prompt);

// Canonical text form that parse_prompt reads back to the same terms: "TEXT:WEIGHT" joined by
// " | ", the weight always written (shortest round-trip form, std::to_chars), " :" instead of ":"
// after text ending in an ASCII digit, `|` `｜` escaped, a backslash doubled only where it would
// otherwise start an escape, "@" before image paths and "@@" before text starting with "@".
// Throws brivl::Error for terms parse_prompt could not return: no terms, empty / untrimmed /
// invalid UTF-8 text, an image path starting with "@", a non-finite weight, no positive weight.
std::string format_prompt(const std::vector<PromptTerm>& terms);

}  // namespace brivl
