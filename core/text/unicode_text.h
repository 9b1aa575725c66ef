#pragma once
// Small Unicode helpers for the text pipeline (the BERT tokenizer mirrors Python `str` and
// `unicodedata` behaviour, so these helpers reproduce the Python semantics it depends on).
// Text is handled as UTF-32 code points (std::u32string) in memory and UTF-8 at the edges.
// ICU is an implementation detail and deliberately not visible here.
#include <string>
#include <string_view>
#include <vector>

namespace brivl::unicode {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

// --- UTF-8 ------------------------------------------------------------------------------------

// Appends the code points of `utf8` to `out`. Every maximal ill-formed subsequence (and every
// encoded surrogate / overlong form) becomes one U+FFFD, like Python's
// bytes.decode("utf-8", errors="replace").
void decode_utf8(std::string_view utf8, std::u32string& out);
std::u32string decode_utf8(std::string_view utf8);

// True when `bytes` is well-formed UTF-8 (what Python's strict "utf-8" codec accepts).
bool is_valid_utf8(std::string_view bytes);

// Appends the UTF-8 encoding of `cp`; surrogates and values above U+10FFFF are written as U+FFFD.
void append_utf8(char32_t cp, std::string& out);
std::string encode_utf8(std::u32string_view cps);

// --- General category tests (ICU's Unicode version) ---------------------------------------------

bool is_other_category(char32_t cp);        // "C*": Cc, Cf, Cn, Co, Cs
bool is_punctuation_category(char32_t cp);  // "P*": Pc, Pd, Ps, Pe, Pi, Pf, Po
bool is_space_separator(char32_t cp);       // "Zs"
bool is_nonspacing_mark(char32_t cp);       // "Mn"

// --- Python str semantics ------------------------------------------------------------------------

// Python `chr(cp).isspace()`: bidi class WS/B/S or category Zs. Unlike BERT's own whitespace
// test this includes \v \f \x1c-\x1f \x85 U+2028 U+2029.
bool is_python_space(char32_t cp);

// Python `s.strip()` (no argument): trims is_python_space characters at both ends.
std::u32string_view python_strip(std::u32string_view s);

// Python `s.split()` (no argument): splits on runs of is_python_space, never yields empty parts.
std::vector<std::u32string_view> python_split(std::u32string_view s);

// Appends Python `chr(cp).lower()`: the full (SpecialCasing) lower-case mapping of a single code
// point, e.g. U+0130 -> "i\u0307". A lone capital sigma maps to U+03C3 (no final-sigma context).
void append_lower(char32_t cp, std::u32string& out);

// Python `s.lower()` of a whole string (full mapping, including the final-sigma rule).
std::u32string to_lower(std::u32string_view s);

// --- Normalization ------------------------------------------------------------------------------

// Appends the canonical decomposition (NFD) of `s`, like unicodedata.normalize("NFD", s).
void append_nfd(std::u32string_view s, std::u32string& out);
std::u32string nfd(std::u32string_view s);

}  // namespace brivl::unicode
