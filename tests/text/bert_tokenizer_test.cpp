// Tests for brivl::BertTokenizer against transformers 4.6.1 BertTokenizer behaviour: focused
// cases on a tiny in-memory vocab plus an exact comparison with fixtures produced by the real
// Python tokenizer (hfl/chinese-roberta-wwm-ext vocab, max_length 32).
#include "text/bert_tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "text/unicode_text.h"
#include "test_support.h"
#include "util/error.h"


namespace brivl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;


// One token per entry, id = position (0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP], 4 [MASK], 5 un, ...).
std::vector<std::string> tiny_vocab() {
  const std::string listing =
      "[PAD] [UNK] [CLS] [SEP] [MASK] un ##aff ##able hello world ##world cafe café i ##\u0307 "
      "好 我 , ! $ [ ] a ##a b c d \uff41 ##\uff42 ##\uff43 \u03bf\u03b4\u03bf\u03c3";
  std::vector<std::string> vocab;
  std::istringstream in(listing);
  for (std::string token; in >> token;) vocab.push_back(token);
  return vocab;
}

BertTokenizer tiny_tokenizer(BertTokenizerOptions options = {}) {
  return BertTokenizer::from_tokens(tiny_vocab(), options);
}

std::string error_message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no brivl::Error thrown>";
}

std::string write_temp_file(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return path;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Python open(...).readlines() (universal newlines) followed by str.strip() on each line.
std::vector<std::string> python_stripped_lines(const std::string& content) {
  std::vector<std::string> lines;
  std::string current;
  auto flush = [&] {
    const std::u32string cps = unicode::decode_utf8(current);
    lines.push_back(unicode::encode_utf8(unicode::python_strip(cps)));
    current.clear();
  };
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] != '\n' && content[i] != '\r') {
      current.push_back(content[i]);
      continue;
    }
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
    flush();
  }
  if (!current.empty()) flush();
  return lines;
}

// ---- Fixture produced by the real Python tokenizer

TEST(BertTokenizerFixture, MatchesPythonTokenizerExactlyOnAllFixtureTexts) {
  const BertTokenizer tokenizer = BertTokenizer::from_file(test::fixture_model_file("vocab.txt"));
  const std::vector<std::string> texts = python_stripped_lines(read_all(test::fixture_file("texts.txt")));
  std::ifstream jsonl(test::fixture_file("tokens.jsonl"));
  ASSERT_TRUE(jsonl.is_open());
  std::string line;
  size_t row = 0;
  while (std::getline(jsonl, line)) {
    if (line.empty()) continue;
    const nlohmann::json expected = nlohmann::json::parse(line);
    ASSERT_LT(row, texts.size());
    SCOPED_TRACE("row " + std::to_string(row) + ": " + texts[row]);
    EXPECT_EQ(texts[row], expected.at("text").get<std::string>());
    const EncodedText got = tokenizer.encode(texts[row], 32);
    EXPECT_EQ(got.input_ids, expected.at("input_ids").get<std::vector<int64_t>>());
    EXPECT_EQ(got.attention_mask, expected.at("attention_mask").get<std::vector<int64_t>>());
    EXPECT_EQ(got.text_len, expected.at("text_len").get<int>());
    EXPECT_EQ(got.tokens, expected.at("tokens").get<std::vector<std::string>>());
    EXPECT_EQ(got.truncated, expected.at("truncated").get<bool>());
    ++row;
  }
  EXPECT_EQ(row, 16u);
  EXPECT_EQ(texts.size(), 16u);
}

TEST(BertTokenizerFixture, RealVocabKeepsLineSeparatorEntryAndSpecialIds) {
  const BertTokenizer tokenizer = BertTokenizer::from_file(test::fixture_model_file("vocab.txt"));
  EXPECT_EQ(tokenizer.vocab_size(), 21128u);
  EXPECT_EQ(tokenizer.token_to_id("\u2028"), 343);
  EXPECT_EQ(tokenizer.token_to_id("##\u2028"), 13502);
  EXPECT_EQ(tokenizer.pad_id(), 0);
  EXPECT_EQ(tokenizer.unk_id(), 100);
  EXPECT_EQ(tokenizer.cls_id(), 101);
  EXPECT_EQ(tokenizer.sep_id(), 102);
  EXPECT_EQ(tokenizer.id_to_token(101), "[CLS]");
  EXPECT_EQ(tokenizer.token_to_id("no-such-token"), 100);
}

// ---- BasicTokenizer behaviour

TEST(BertTokenizer, SplitsEveryCjkCharacterIntoItsOwnWord) {
  EXPECT_THAT(tiny_tokenizer().tokenize("我好hello好"), ElementsAre("我", "好", "hello", "好"));
}

TEST(BertTokenizer, KeepsCjkRunsTogetherWhenChineseSplittingIsOff) {
  const BertTokenizer tokenizer =
      tiny_tokenizer(BertTokenizerOptions().with_tokenize_chinese_chars(false));
  EXPECT_THAT(tokenizer.tokenize("我好"), ElementsAre("[UNK]"));  // "##好" is not in the vocab
}

TEST(BertTokenizer, SplitsPunctuationIncludingAsciiSymbolsIntoOwnTokens) {
  EXPECT_THAT(tiny_tokenizer().tokenize("hello,world!"), ElementsAre("hello", ",", "world", "!"));
  EXPECT_THAT(tiny_tokenizer().tokenize("a$b"), ElementsAre("a", "$", "b"));  // '$' is Sc
}

TEST(BertTokenizer, StripsAccentsAfterLowerCasing) {
  EXPECT_THAT(tiny_tokenizer().tokenize("Café CAFÉ cafe\u0301"),
              ElementsAre("cafe", "cafe", "cafe"));
}

TEST(BertTokenizer, KeepsAccentsWhenStripAccentsIsFalse) {
  const BertTokenizer tokenizer = tiny_tokenizer(BertTokenizerOptions().with_strip_accents(false));
  EXPECT_THAT(tokenizer.tokenize("Café"), ElementsAre("café"));
}

TEST(BertTokenizer, LowerCasesAsciiAndFullWidthLettersWithoutNfkc) {
  EXPECT_THAT(tiny_tokenizer().tokenize("HELLO World"), ElementsAre("hello", "world"));
  EXPECT_THAT(tiny_tokenizer().tokenize("\uff21\uff22\uff23"),
              ElementsAre("\uff41", "##\uff42", "##\uff43"));
}

TEST(BertTokenizer, LeavesCaseAndAccentsAloneWhenLowerCaseIsOff) {
  const BertTokenizer tokenizer = tiny_tokenizer(BertTokenizerOptions().with_lower_case(false));
  EXPECT_THAT(tokenizer.tokenize("Hello hello Café"), ElementsAre("[UNK]", "hello", "[UNK]"));
}

TEST(BertTokenizer, LowerCasesDottedCapitalIToIWithCombiningDot) {
  // Python: "\u0130".lower() == "i\u0307"; the default accent stripping then drops U+0307.
  EXPECT_THAT(tiny_tokenizer().tokenize("\u0130"), ElementsAre("i"));
  const BertTokenizer keep = tiny_tokenizer(BertTokenizerOptions().with_strip_accents(false));
  EXPECT_THAT(keep.tokenize("\u0130"), ElementsAre("i", "##\u0307"));
}

TEST(BertTokenizer, LowerCasesCharacterByCharacterWithoutFinalSigma) {
  // HF lower-cases through a per-character regex, so the final capital sigma becomes U+03C3.
  EXPECT_THAT(tiny_tokenizer().tokenize("\u039f\u0394\u039f\u03a3"),
              ElementsAre("\u03bf\u03b4\u03bf\u03c3"));
}

TEST(BertTokenizer, RemovesControlAndFormatCharactersJoiningNeighbours) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  EXPECT_THAT(tokenizer.tokenize("hello\u200bworld"), ElementsAre("hello", "##world"));  // Cf
  EXPECT_THAT(tokenizer.tokenize("hello\x01world\u00ad"), ElementsAre("hello", "##world"));
  EXPECT_THAT(tokenizer.tokenize(std::string("hello\0world", 11)), ElementsAre("hello", "##world"));
  EXPECT_THAT(tokenizer.tokenize("hello\ue000\u0378world\ufffd"), ElementsAre("hello", "##world"));
}

TEST(BertTokenizer, TreatsTabsNewlinesAndSpaceSeparatorsAsWordBreaks) {
  EXPECT_THAT(tiny_tokenizer().tokenize("hello\tworld\r\nhello\u3000world\u00a0a"),
              ElementsAre("hello", "world", "hello", "world", "a"));
}

TEST(BertTokenizer, LineAndParagraphSeparatorsSplitWords) {
  EXPECT_THAT(tiny_tokenizer().tokenize("hello\u2028world\u2029hello"),
              ElementsAre("hello", "world", "hello"));
}

TEST(BertTokenizer, EmojiIsNeitherCjkNorPunctuation) {
  EXPECT_THAT(tiny_tokenizer().tokenize("好\U0001F600我"), ElementsAre("好", "[UNK]", "我"));
  EXPECT_THAT(tiny_tokenizer().tokenize("a\U0001F600b"), ElementsAre("[UNK]"));
}

// ---- WordPiece behaviour

TEST(BertTokenizer, UsesGreedyLongestMatchWithContinuationPrefix) {
  EXPECT_THAT(tiny_tokenizer().tokenize("unaffable"), ElementsAre("un", "##aff", "##able"));
}

TEST(BertTokenizer, TurnsUncoverableWordIntoSingleUnk) {
  EXPECT_THAT(tiny_tokenizer().tokenize("unaffx hello"), ElementsAre("[UNK]", "hello"));
}

TEST(BertTokenizer, TurnsWordLongerThanMaxInputCharsIntoUnk) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  EXPECT_THAT(tokenizer.tokenize(std::string(101, 'a')), ElementsAre("[UNK]"));
  const std::vector<std::string> pieces = tokenizer.tokenize(std::string(100, 'a'));
  ASSERT_EQ(pieces.size(), 100u);
  EXPECT_EQ(pieces.front(), "a");
  EXPECT_EQ(pieces.back(), "##a");
  const BertTokenizer short_words =
      tiny_tokenizer(BertTokenizerOptions().with_max_input_chars_per_word(3));
  EXPECT_THAT(short_words.tokenize("aaa aaaa"), ElementsAre("a", "##a", "##a", "[UNK]"));
}

// ---- Special tokens

TEST(BertTokenizer, KeepsSpecialTokensFromTextAsSingleTokens) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  EXPECT_THAT(tokenizer.tokenize("Hello [MASK] world"), ElementsAre("hello", "[MASK]", "world"));
  EXPECT_THAT(tokenizer.tokenize("hello[SEP]world[CLS]"),
              ElementsAre("hello", "[SEP]", "world", "[CLS]"));
  EXPECT_THAT(tokenizer.tokenize("  [PAD]  "), ElementsAre("[PAD]"));
}

TEST(BertTokenizer, DoesNotTreatLowerCaseSpecialTokenTextAsSpecial) {
  EXPECT_THAT(tiny_tokenizer().tokenize("[mask]"), ElementsAre("[", "[UNK]", "]"));
}

TEST(BertTokenizer, MapsSpecialTokenMissingFromVocabToUnkId) {
  const BertTokenizer tokenizer =
      BertTokenizer::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"});
  const EncodedText encoded = tokenizer.encode("hello [MASK]", 5);
  EXPECT_THAT(encoded.input_ids, ElementsAre(2, 4, 1, 3, 0));
  EXPECT_THAT(encoded.tokens, ElementsAre("[CLS]", "hello", "[MASK]", "[SEP]"));
}

// ---- encode

TEST(BertTokenizerEncode, AddsClsSepAndPadsToMaxLength) {
  const EncodedText encoded = tiny_tokenizer().encode("hello world", 6);
  EXPECT_THAT(encoded.input_ids, ElementsAre(2, 8, 9, 3, 0, 0));
  EXPECT_THAT(encoded.attention_mask, ElementsAre(1, 1, 1, 1, 0, 0));
  EXPECT_EQ(encoded.text_len, 4);
  EXPECT_FALSE(encoded.truncated);
  EXPECT_THAT(encoded.tokens, ElementsAre("[CLS]", "hello", "world", "[SEP]"));
}

TEST(BertTokenizerEncode, TruncationKeepsLeadingPiecesAndSetsTruncated) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  const EncodedText cut = tokenizer.encode("a b c d", 4);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.text_len, 4);
  EXPECT_THAT(cut.input_ids, ElementsAre(2, 22, 24, 3));
  EXPECT_THAT(cut.tokens, ElementsAre("[CLS]", "a", "b", "[SEP]"));
  const EncodedText exact = tokenizer.encode("a b", 4);
  EXPECT_FALSE(exact.truncated);
  EXPECT_THAT(exact.input_ids, ElementsAre(2, 22, 24, 3));
  const EncodedText only_specials = tokenizer.encode("a", 2);
  EXPECT_TRUE(only_specials.truncated);
  EXPECT_THAT(only_specials.input_ids, ElementsAre(2, 3));
}

TEST(BertTokenizerEncode, EmptyAndWhitespaceOnlyTextGiveClsSepAndPads) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  for (const std::string text : {"", " \t\n\u3000\u2028 ", "\u200b"}) {
    const EncodedText encoded = tokenizer.encode(text, 5);
    EXPECT_THAT(encoded.input_ids, ElementsAre(2, 3, 0, 0, 0)) << text;
    EXPECT_THAT(encoded.attention_mask, ElementsAre(1, 1, 0, 0, 0)) << text;
    EXPECT_EQ(encoded.text_len, 2);
    EXPECT_FALSE(encoded.truncated);
    EXPECT_THAT(encoded.tokens, ElementsAre("[CLS]", "[SEP]"));
  }
}

TEST(BertTokenizerEncode, RejectsMaxLengthBelowTwo) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  EXPECT_EQ(
      error_message_of([&] { tokenizer.encode("hello", 1); }),
      "BertTokenizer::encode: max_length must be at least 2 (room for [CLS] and [SEP]), got 1");
  EXPECT_THROW(tokenizer.encode("hello", -3), Error);
}

TEST(BertTokenizerEncode, InvalidUtf8BytesAreDroppedWithoutCrashing) {
  const BertTokenizer tokenizer = tiny_tokenizer();
  EXPECT_THAT(tokenizer.tokenize("hel\xfflo"), ElementsAre("hello"));
  EXPECT_THAT(tokenizer.tokenize("\xe5\xa5"), ElementsAre());  // truncated "好"
  EXPECT_THAT(tokenizer.tokenize("a\xed\xa0\x80 \xc0\xaf b\xf4\x90\x80\x80"),
              ElementsAre("a", "b"));
  EXPECT_EQ(tokenizer.encode("\x80\x80\x80", 4).text_len, 2);
}

// ---- Vocabulary loading

TEST(BertTokenizerVocab, MissingFileErrorNamesThePath) {
  const std::string path = "/nonexistent/dir/vocab.txt";
  EXPECT_THAT(error_message_of([&] { BertTokenizer::from_file(path); }), HasSubstr(path));
}

TEST(BertTokenizerVocab, EmptyFileIsRejected) {
  const std::string path = write_temp_file("brivl_empty_vocab.txt", "");
  const std::string message = error_message_of([&] { BertTokenizer::from_file(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("empty"));
}

TEST(BertTokenizerVocab, MissingSpecialTokensAreNamed) {
  const std::string path = write_temp_file("brivl_nospecial_vocab.txt", "[PAD]\n[UNK]\nhello\n");
  const std::string message = error_message_of([&] { BertTokenizer::from_file(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("[CLS], [SEP]"));
  EXPECT_THAT(error_message_of([] {
                BertTokenizer::from_tokens({"[CLS]", "[SEP]", "[PAD]"});
              }),
              HasSubstr("[UNK]"));
}

TEST(BertTokenizerVocab, SplitsLinesOnUniversalNewlinesButNotLineSeparator) {
  const std::string path = write_temp_file("brivl_newlines_vocab.txt",
                                           "[PAD]\r\n[UNK]\r[CLS]\n[SEP]\n\u2028\n x \n\nlast");
  const BertTokenizer tokenizer = BertTokenizer::from_file(path);
  EXPECT_EQ(tokenizer.vocab_size(), 8u);
  EXPECT_EQ(tokenizer.token_to_id("[UNK]"), 1);
  EXPECT_EQ(tokenizer.token_to_id("[CLS]"), 2);
  EXPECT_EQ(tokenizer.token_to_id("\u2028"), 4);
  EXPECT_EQ(tokenizer.token_to_id(" x "), 5);  // no stripping besides the line end
  EXPECT_EQ(tokenizer.token_to_id(""), 6);
  EXPECT_EQ(tokenizer.id_to_token(7), "last");
}

TEST(BertTokenizerVocab, LaterDuplicateLineWins) {
  const BertTokenizer tokenizer =
      BertTokenizer::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "a"});
  EXPECT_EQ(tokenizer.token_to_id("a"), 5);
  EXPECT_EQ(tokenizer.id_to_token(4), "[UNK]");
  EXPECT_EQ(tokenizer.id_to_token(5), "a");
  EXPECT_THROW(tokenizer.id_to_token(6), Error);
  EXPECT_THROW(tokenizer.id_to_token(-1), Error);
}

TEST(BertTokenizerVocab, RejectsInvalidUtf8Lines) {
  const std::string path = write_temp_file("brivl_bad_vocab.txt", "[PAD]\n[UNK]\n\xff\n");
  EXPECT_THAT(error_message_of([&] { BertTokenizer::from_file(path); }),
              HasSubstr("line 3 is not valid UTF-8"));
}

// ---- unicode_text helpers

TEST(UnicodeText, DecodeReplacesEachMaximalInvalidSubpartWithOneReplacementChar) {
  // Same counts as Python bytes.decode("utf-8", errors="replace").
  EXPECT_EQ(unicode::decode_utf8("\xe4\xbd"
                                 "A"),
            U"\ufffdA");
  EXPECT_EQ(unicode::decode_utf8("\xf0\x80"), U"\ufffd\ufffd");
  EXPECT_EQ(unicode::decode_utf8("\xed\xa0\x80"), U"\ufffd\ufffd\ufffd");
  EXPECT_EQ(unicode::decode_utf8("\xf0\x9f\x98\x80\xc3\xa9"), U"\U0001F600\u00e9");
  EXPECT_EQ(unicode::encode_utf8(U"\U0001F600\u00e9x"), "\xf0\x9f\x98\x80\xc3\xa9x");
  EXPECT_FALSE(unicode::is_valid_utf8("\xc0\xaf"));
  EXPECT_TRUE(unicode::is_valid_utf8("\u2028\U0010FFFF"));
}

TEST(UnicodeText, PythonStripAndSplitUsePythonWhitespace) {
  EXPECT_EQ(unicode::python_strip(U"\u3000\x1c a b\u2029\x85"), U"a b");
  EXPECT_EQ(unicode::python_strip(U"\u200ba\u200b"), U"\u200ba\u200b");  // not whitespace
  EXPECT_THAT(unicode::python_split(U" a\u2028b\u00a0\u00a0c "), ElementsAre(U"a", U"b", U"c"));
}

TEST(UnicodeText, LowerAndNfdFollowPython) {
  std::u32string lowered;
  unicode::append_lower(U'\u0130', lowered);
  EXPECT_EQ(lowered, U"i\u0307");
  EXPECT_EQ(unicode::to_lower(U"\u039f\u0394\u039f\u03a3"), U"\u03bf\u03b4\u03bf\u03c2");
  EXPECT_EQ(unicode::nfd(U"\u00e9\u1e69"), U"e\u0301s\u0323\u0307");
}

}  // namespace
}  // namespace brivl
