#include "text/prompt.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>

#include "text/unicode_text.h"
#include "util/error.h"

namespace brivl {
namespace {

constexpr char32_t kBar = U'|';
constexpr char32_t kWideBar = U'\uFF5C';
constexpr char32_t kColon = U':';
constexpr char32_t kWideColon = U'\uFF1A';
constexpr char32_t kBackslash = U'\\';
constexpr char32_t kAt = U'@';

bool is_bar(char32_t c) { return c == kBar || c == kWideBar; }
bool is_colon(char32_t c) { return c == kColon || c == kWideColon; }
bool is_escapable(char32_t c) { return is_bar(c) || is_colon(c) || c == kBackslash; }
bool is_ascii_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

std::u32string_view strip(std::u32string_view s) { return unicode::python_strip(s); }

// One term after escape processing. `escaped` marks characters that came from an escape, so an
// escaped colon can never be taken as the weight separator.
struct RawTerm {
  std::u32string cps;
  std::vector<bool> escaped;

  void push(char32_t c, bool from_escape) {
    cps += c;
    escaped.push_back(from_escape);
  }
};

// Splits on unescaped bars, resolving escapes in the same pass so `\|` never splits.
std::vector<RawTerm> split_terms(std::u32string_view prompt) {
  std::vector<RawTerm> terms(1);
  for (size_t i = 0; i < prompt.size(); ++i) {
    const char32_t c = prompt[i];
    if (c == kBackslash && i + 1 < prompt.size() && is_escapable(prompt[i + 1])) {
      terms.back().push(prompt[++i], true);
    } else if (is_bar(c)) {
      terms.emplace_back();
    } else {
      terms.back().push(c, false);
    }
  }
  return terms;
}

// The strict grammar [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?. Checked by hand because
// std::from_chars also accepts "inf", "nan" and stops early on "1e", which must stay text.
bool is_decimal_number(std::string_view s) {
  size_t i = 0;
  const auto skip_sign = [&] { if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i; };
  const auto skip_digits = [&] {
    const size_t start = i;
    while (i < s.size() && is_ascii_digit(static_cast<unsigned char>(s[i]))) ++i;
    return i - start;
  };
  skip_sign();
  size_t mantissa_digits = skip_digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa_digits += skip_digits();
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    skip_sign();
    if (skip_digits() == 0) return false;
  }
  return i == s.size();
}

// The ASCII number spelled by `s`, or nothing when `s` is not one (full-width digits included).
std::optional<std::string> ascii_number(std::u32string_view s) {
  std::string out;
  for (const char32_t c : s) {
    if (c > 0x7F) return std::nullopt;
    out += static_cast<char>(c);
  }
  if (!is_decimal_number(out)) return std::nullopt;
  return out;
}

double to_weight(const std::string& number, const std::string& where) {
  // from_chars takes no leading '+'; the grammar guarantees at most one sign.
  const std::string_view digits = number[0] == '+' ? std::string_view(number).substr(1) : number;
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  BRIVL_CHECK(ec != std::errc::result_out_of_range, where, ": weight ", number, " is out of range for a double");
  BRIVL_CHECK(ec == std::errc() && end == digits.data() + digits.size() && std::isfinite(value), where,
              ": cannot read weight ", number);
  return value;
}

struct WeightSplit {
  size_t colon;        // index of the separating colon in RawTerm::cps
  std::string number;  // the weight as written
};

// Only the last unescaped colon counts (rule 5 in prompt.h); a digit right before it means a
// time or ratio like "12:30", which is far more common in captions than a weighted number.
std::optional<WeightSplit> find_weight(const RawTerm& raw) {
  const std::u32string_view cps(raw.cps);
  for (size_t i = cps.size(); i-- > 0;) {
    if (!is_colon(cps[i]) || raw.escaped[i]) continue;
    if (i > 0 && is_ascii_digit(cps[i - 1])) return std::nullopt;
    auto number = ascii_number(strip(cps.substr(i + 1)));
    if (!number) return std::nullopt;
    return WeightSplit{i, std::move(*number)};
  }
  return std::nullopt;
}

PromptTerm parse_term(const RawTerm& raw, const std::string& where) {
  std::u32string_view text = strip(raw.cps);
  BRIVL_CHECK(!text.empty(), where, " is empty");
  PromptTerm term;
  if (const auto split = find_weight(raw)) {
    text = strip(std::u32string_view(raw.cps).substr(0, split->colon));
    BRIVL_CHECK(!text.empty(), where, " has a weight but no text");
    term.weight = to_weight(split->number, where);
  }
  if (text.size() >= 2 && text[0] == kAt && text[1] == kAt) {
    text.remove_prefix(1);  // "@@" escapes a text that starts with "@"
  } else if (text[0] == kAt) {
    term.is_image = true;
    text = strip(text.substr(1));
    BRIVL_CHECK(!text.empty(), where, " is an image term (starts with @) without a path");
  }
  term.text = unicode::encode_utf8(text);
  return term;
}

std::string describe_term(const std::string& prompt, size_t number) {
  return detail::concat("prompt \"", prompt, "\": term ", number);
}

// --- formatting -----------------------------------------------------------------------------

// Bars always need an escape. A backslash only does when it would otherwise start an escape:
// before a special character, or last (the weight colon follows). Other backslashes are left
// alone so paths like C:\dir\a.jpg stay readable.
std::string escape_text(std::u32string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    const bool starts_escape = c == kBackslash && (i + 1 == text.size() || is_escapable(text[i + 1]));
    if (is_bar(c) || starts_escape) out += kBackslash;
    out += c;
  }
  return unicode::encode_utf8(out);
}

std::string shortest_number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

void append_term(const PromptTerm& term, size_t number, std::string& out) {
  const std::string where = detail::concat("format_prompt: term ", number, " (\"", term.text, "\")");
  BRIVL_CHECK(unicode::is_valid_utf8(term.text), where, " is not valid UTF-8");
  const std::u32string text = unicode::decode_utf8(term.text);
  BRIVL_CHECK(!text.empty(), where, " has empty text");
  BRIVL_CHECK(strip(text).size() == text.size(), where, " has leading or trailing whitespace");
  BRIVL_CHECK(std::isfinite(term.weight), where, " has a non-finite weight ", term.weight);
  BRIVL_CHECK(!(term.is_image && text[0] == kAt), where, " is an image path starting with @, which the syntax cannot express");
  if (text[0] == kAt || term.is_image) out += '@';
  out += escape_text(text);
  // A digit right before the colon would make the parser read "12:30:1" as text (rule 5).
  out += is_ascii_digit(text.back()) ? " :" : ":";
  out += shortest_number(term.weight);
}

bool has_positive_weight(const std::vector<PromptTerm>& terms) {
  for (const auto& term : terms) {
    if (term.weight > 0) return true;
  }
  return false;
}

}  // namespace

std::vector<PromptTerm> parse_prompt(const std::string& prompt) {
  const std::u32string cps = unicode::decode_utf8(prompt);
  BRIVL_CHECK(!strip(cps).empty(), "empty prompt \"", prompt, "\" (expected terms like \"猫:1 | 雪地:0.5\")");
  const auto raw_terms = split_terms(cps);
  std::vector<PromptTerm> terms;
  for (size_t i = 0; i < raw_terms.size(); ++i) terms.push_back(parse_term(raw_terms[i], describe_term(prompt, i + 1)));
  BRIVL_CHECK(has_positive_weight(terms), "prompt \"", prompt, "\": a prompt needs at least one positive term");
  return terms;
}

std::string format_prompt(const std::vector<PromptTerm>& terms) {
  BRIVL_CHECK(!terms.empty(), "format_prompt: no terms");
  std::string out;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out += " | ";
    append_term(terms[i], i + 1, out);
  }
  BRIVL_CHECK(has_positive_weight(terms), "format_prompt: a prompt needs at least one positive term");
  return out;
}

}  // namespace brivl
