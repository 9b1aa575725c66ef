#include "text/unicode_text.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <cstdint>

#include "util/error.h"

namespace brivl::unicode {
namespace {

// Unicode Table 3-7 (well-formed UTF-8): sequence length and the allowed range of the *second*
// byte for each lead byte. The narrowed ranges reject overlongs, surrogates and > U+10FFFF.
struct LeadInfo {
  int length;
  unsigned char second_lo;
  unsigned char second_hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Decodes the code point starting at `pos` (a non-ASCII lead byte) and advances `pos`. On an
// ill-formed sequence it consumes only the maximal subpart, so the next call resynchronises on
// the offending byte (the "U+FFFD substitution of maximal subparts" practice Python follows).
char32_t decode_multibyte(std::string_view s, size_t& pos, bool& valid) {
  const auto lead = static_cast<unsigned char>(s[pos]);
  const LeadInfo info = lead_info(lead);
  valid = false;
  if (info.length == 0) {
    ++pos;
    return kReplacementChar;
  }
  char32_t cp = lead & (0xFFu >> (info.length + 1));
  size_t i = pos + 1;
  for (int k = 1; k < info.length; ++k, ++i) {
    const unsigned char lo = k == 1 ? info.second_lo : 0x80;
    const unsigned char hi = k == 1 ? info.second_hi : 0xBF;
    if (i >= s.size()) break;
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < lo || b > hi) break;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  const bool complete = i == pos + static_cast<size_t>(info.length);
  pos = i;
  valid = complete;
  return complete ? cp : kReplacementChar;
}

void append_utf16(char32_t cp, std::u16string& out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x10000) {
    out.push_back(static_cast<char16_t>(cp));
  } else {
    out.push_back(static_cast<char16_t>(U16_LEAD(cp)));
    out.push_back(static_cast<char16_t>(U16_TRAIL(cp)));
  }
}

std::u16string to_utf16(std::u32string_view s) {
  std::u16string out;
  out.reserve(s.size() + 4);
  for (char32_t cp : s) append_utf16(cp, out);
  return out;
}

void append_from_utf16(const char16_t* s, int32_t length, std::u32string& out) {
  for (int32_t i = 0; i < length;) {
    UChar32 cp;
    U16_NEXT(s, i, length, cp);
    out.push_back(static_cast<char32_t>(cp));
  }
}

// Runs an ICU "write into caller buffer" function, growing the buffer once on overflow.
template <typename IcuFn>
std::u16string run_icu_u16(const char* what, int32_t initial_capacity, IcuFn&& fn) {
  std::u16string dst(static_cast<size_t>(initial_capacity), u'\0');
  UErrorCode status = U_ZERO_ERROR;
  int32_t n = fn(dst.data(), initial_capacity, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    dst.assign(static_cast<size_t>(n), u'\0');
    status = U_ZERO_ERROR;
    n = fn(dst.data(), n, &status);
  }
  BRIVL_CHECK(U_SUCCESS(status), "ICU ", what, " failed: ", u_errorName(status));
  dst.resize(static_cast<size_t>(n));
  return dst;
}

const UNormalizer2* nfd_normalizer() {
  static const UNormalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* n = unorm2_getNFDInstance(&status);
    BRIVL_CHECK(U_SUCCESS(status) && n != nullptr,
                "ICU: cannot load the NFD normalizer: ", u_errorName(status));
    return n;
  }();
  return instance;
}

}  // namespace

void decode_utf8(std::string_view utf8, std::u32string& out) {
  out.reserve(out.size() + utf8.size());
  for (size_t pos = 0; pos < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[pos]);
    if (b < 0x80) {
      out.push_back(b);
      ++pos;
      continue;
    }
    bool valid = false;
    out.push_back(decode_multibyte(utf8, pos, valid));
  }
}

std::u32string decode_utf8(std::string_view utf8) {
  std::u32string out;
  decode_utf8(utf8, out);
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  for (size_t pos = 0; pos < bytes.size();) {
    if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    bool valid = false;
    decode_multibyte(bytes, pos, valid);
    if (!valid) return false;
  }
  return true;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size() * 3);
  for (char32_t cp : cps) append_utf8(cp, out);
  return out;
}

// Code points outside the Unicode range report Cn from ICU, which is what Python would say for
// an unassigned character; they never come out of decode_utf8 anyway.
bool is_other_category(char32_t cp) {
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_C_MASK) != 0;
}

bool is_punctuation_category(char32_t cp) {
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_P_MASK) != 0;
}

bool is_space_separator(char32_t cp) {
  return u_charType(static_cast<UChar32>(cp)) == U_SPACE_SEPARATOR;
}

bool is_nonspacing_mark(char32_t cp) {
  return u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK;
}

// The set is spelled out (rather than asking ICU for bidi classes) because it is exactly what
// CPython's _PyUnicode_IsWhitespace accepts and has been stable across Unicode versions.
bool is_python_space(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  if (cp < 0x85) return false;
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

std::u32string_view python_strip(std::u32string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && is_python_space(s[begin])) ++begin;
  while (end > begin && is_python_space(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

std::vector<std::u32string_view> python_split(std::u32string_view s) {
  std::vector<std::u32string_view> parts;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_python_space(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !is_python_space(s[i])) ++i;
    if (i > start) parts.push_back(s.substr(start, i - start));
  }
  return parts;
}

// Python's str.lower() uses the full mapping (SpecialCasing.txt), which differs from the simple
// mapping only for U+0130 plus the context-dependent final sigma. Calling ICU's string API on a
// one-character string gives exactly that (root locale, so no Turkish/Lithuanian rules).
void append_lower(char32_t cp, std::u32string& out) {
  if (cp < 0x80) {
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
    return;
  }
  const auto c = static_cast<UChar32>(cp);
  if (cp > kMaxCodePoint || !u_hasBinaryProperty(c, UCHAR_CHANGES_WHEN_LOWERCASED)) {
    out.push_back(cp);
    return;
  }
  UChar src[2];
  int32_t src_len = 0;
  U16_APPEND_UNSAFE(src, src_len, c);
  UChar dst[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(dst, 8, src, src_len, "", &status);
  if (U_FAILURE(status)) {
    out.push_back(static_cast<char32_t>(u_tolower(c)));
    return;
  }
  append_from_utf16(dst, n, out);
}

std::u32string to_lower(std::u32string_view s) {
  const std::u16string src = to_utf16(s);
  const auto len = static_cast<int32_t>(src.size());
  const std::u16string lowered =
      run_icu_u16("u_strToLower", len + 8, [&](UChar* dst, int32_t cap, UErrorCode* status) {
        return u_strToLower(dst, cap, src.data(), len, "", status);
      });
  std::u32string out;
  append_from_utf16(lowered.data(), static_cast<int32_t>(lowered.size()), out);
  return out;
}

void append_nfd(std::u32string_view s, std::u32string& out) {
  const UNormalizer2* normalizer = nfd_normalizer();
  // Fast path: a string made of NFD-inert characters (no decomposition, combining class 0) is
  // its own NFD; this covers ASCII and all CJK ideographs.
  bool inert = true;
  for (char32_t cp : s) {
    if (cp >= 0xC0 && !unorm2_isInert(normalizer, static_cast<UChar32>(cp))) {
      inert = false;
      break;
    }
  }
  if (inert) {
    out.append(s);
    return;
  }
  const std::u16string src = to_utf16(s);
  const auto len = static_cast<int32_t>(src.size());
  const std::u16string normalized = run_icu_u16(
      "unorm2_normalize(NFD)", len * 2 + 8, [&](UChar* dst, int32_t cap, UErrorCode* status) {
        return unorm2_normalize(normalizer, src.data(), len, dst, cap, status);
      });
  append_from_utf16(normalized.data(), static_cast<int32_t>(normalized.size()), out);
}

std::u32string nfd(std::u32string_view s) {
  std::u32string out;
  append_nfd(s, out);
  return out;
}

}  // namespace brivl::unicode
