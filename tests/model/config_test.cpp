// Tests for brivl::parse_model_config / model_config_to_yaml (core/model/config.h).
#include "model/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"
#include "util/error.h"

namespace brivl {
namespace {

using ::testing::Pair;

// brivl-nmi cfg/eval.yml, the configuration of the released BriVL checkpoint.
const char* const kOfficialEval = R"(MODEL:
    NAME: VL

    ENCODER: 'hfl/chinese-roberta-wwm-ext'
    TEXT_FEATURE_DIM: 768
    TEXT_TRANSFORMER_HEAD: 4
    TEXT_TRANSFORMER_LAYER: 4
    MAX_TEXT_LEN: 80

    CNN: 'tf_efficientnet_b5_ns'
    IMG_SIZE: 456
    IMG_FEATURE_DIM: 2048
    IMG_TRANSFORMER_HEAD: 4
    IMG_TRANSFORMER_LAYER: 4
    MAX_IMG_LEN: 37
    BOX_GRID: 6

    TOPK: 1
    QUEUE_SIZE: 9600
    MOMENTUM: 0.99
    TEMPERATURE: 0.07
    GRID_SIZE: 4
)";

// Replaces the value of one `    KEY: value` line of `yaml` (the key must be present).
std::string with_value(std::string yaml, const std::string& key, const std::string& value) {
  const std::string prefix = "\n    " + key + ": ";
  const size_t at = yaml.find(prefix);
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return yaml;
  const size_t begin = at + prefix.size();
  return yaml.replace(begin, yaml.find('\n', begin) - begin, value);
}

// Removes the `    KEY: value` line of `yaml`.
std::string without_key(std::string yaml, const std::string& key) {
  const size_t at = yaml.find("\n    " + key + ": ");
  EXPECT_NE(at, std::string::npos) << key;
  if (at == std::string::npos) return yaml;
  return yaml.erase(at, yaml.find('\n', at + 1) - at);
}

ModelConfig parse(const std::string& yaml) { return parse_model_config(yaml, "test.yml"); }

// Field-by-field equality of everything a config carries except `source`.
void expect_same_config(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.encoder, b.encoder);
  EXPECT_EQ(a.text_feature_dim, b.text_feature_dim);
  EXPECT_EQ(a.text_transformer_head, b.text_transformer_head);
  EXPECT_EQ(a.text_transformer_layer, b.text_transformer_layer);
  EXPECT_EQ(a.max_text_len, b.max_text_len);
  EXPECT_EQ(a.cnn, b.cnn);
  EXPECT_EQ(a.img_size, b.img_size);
  EXPECT_EQ(a.img_feature_dim, b.img_feature_dim);
  EXPECT_EQ(a.img_transformer_head, b.img_transformer_head);
  EXPECT_EQ(a.img_transformer_layer, b.img_transformer_layer);
  EXPECT_EQ(a.max_img_len, b.max_img_len);
  EXPECT_EQ(a.box_grid, b.box_grid);
  EXPECT_EQ(a.topk, b.topk);
  EXPECT_EQ(a.queue_size, b.queue_size);
  EXPECT_EQ(a.momentum, b.momentum);  // exact: the text form must not lose digits
  EXPECT_EQ(a.temperature, b.temperature);
  EXPECT_EQ(a.grid_size, b.grid_size);
  EXPECT_EQ(a.cnn_spec.variant, b.cnn_spec.variant);
  EXPECT_EQ(a.cnn_spec.channel_multiplier, b.cnn_spec.channel_multiplier);
  EXPECT_EQ(a.cnn_spec.depth_multiplier, b.cnn_spec.depth_multiplier);
  EXPECT_EQ(a.cnn_spec.num_features, b.cnn_spec.num_features);
  EXPECT_EQ(a.cnn_spec.tf_same_padding, b.cnn_spec.tf_same_padding);
  EXPECT_EQ(a.cnn_spec.bn_eps, b.cnn_spec.bn_eps);
  EXPECT_EQ(a.bert.vocab_size, b.bert.vocab_size);
  EXPECT_EQ(a.bert.hidden_size, b.bert.hidden_size);
  EXPECT_EQ(a.bert.num_layers, b.bert.num_layers);
  EXPECT_EQ(a.bert.num_heads, b.bert.num_heads);
  EXPECT_EQ(a.bert.intermediate_size, b.bert.intermediate_size);
  EXPECT_EQ(a.bert.max_position, b.bert.max_position);
  EXPECT_EQ(a.bert.type_vocab_size, b.bert.type_vocab_size);
  EXPECT_EQ(a.bert.layer_norm_eps, b.bert.layer_norm_eps);
  EXPECT_EQ(a.extra_keys, b.extra_keys);
  EXPECT_EQ(a.bert_from_file, b.bert_from_file);
}

// A BERT the encoder name does not tell: 3 layers of width 256 (4 heads of 64), 30000 tokens.
ShapeIndex custom_bert_shapes() {
  const std::string p = "textencoder.backbone.bert.";
  ShapeIndex shapes = {
      {p + "embeddings.word_embeddings.weight", {30000, 256}},
      {p + "embeddings.position_embeddings.weight", {128, 256}},
      {p + "embeddings.token_type_embeddings.weight", {1, 256}},
      {p + "encoder.layer.0.intermediate.dense.weight", {1024, 256}},
  };
  for (int i = 0; i < 3; ++i) shapes[p + "encoder.layer." + std::to_string(i) + ".output.dense.weight"] = {256, 1024};
  return shapes;
}

std::string custom_bert_yaml() {
  auto yaml = with_value(kOfficialEval, "ENCODER", "'my-org/custom-bert'");
  return with_value(yaml, "TEXT_FEATURE_DIM", "256");
}

TEST(ModelConfig, ParsesFixtureConfigWithExtraKeys) {
  const auto c = load_model_config(test::fixture_model_file("config.yml"));
  EXPECT_EQ(c.source, test::fixture_model_file("config.yml"));
  EXPECT_EQ(c.encoder, "hfl/chinese-roberta-wwm-ext");
  EXPECT_EQ(c.text_feature_dim, 64);
  EXPECT_EQ(c.text_transformer_layer, 1);
  EXPECT_EQ(c.max_text_len, 32);
  EXPECT_EQ(c.img_size, 96);
  EXPECT_EQ(c.img_feature_dim, 128);
  EXPECT_EQ(c.num_boxes(), 37);
  // CNN_* keys replace the multipliers of tf_efficientnet_b0; padding/eps still come from the name.
  EXPECT_EQ(c.cnn_spec.variant, "tf_efficientnet_b0");
  EXPECT_EQ(c.cnn_spec.channel_multiplier, 0.25);
  EXPECT_EQ(c.cnn_spec.depth_multiplier, 1.0);
  EXPECT_EQ(c.cnn_spec.num_features, 128);
  EXPECT_TRUE(c.cnn_spec.tf_same_padding);
  EXPECT_EQ(c.cnn_spec.bn_eps, 1e-3);
  // BERT_* keys override the BERT-base sizes of the encoder name.
  EXPECT_TRUE(c.bert_from_file);
  EXPECT_EQ(c.bert.vocab_size, 21128);
  EXPECT_EQ(c.bert.hidden_size, 64);
  EXPECT_EQ(c.bert.num_layers, 2);
  EXPECT_EQ(c.bert.num_heads, 2);
  EXPECT_EQ(c.bert.intermediate_size, 128);
  EXPECT_EQ(c.bert.max_position, 512);
  EXPECT_EQ(c.bert.type_vocab_size, 2);
  EXPECT_EQ(c.extra_keys.size(), 10u);
}

TEST(ModelConfig, DerivesBertBaseAndB5FromOfficialEvalConfig) {
  const auto c = parse(kOfficialEval);
  EXPECT_EQ(c.name, "VL");
  EXPECT_EQ(c.max_text_len, 80);
  EXPECT_EQ(c.img_size, 456);
  EXPECT_EQ(c.max_img_len, 37);
  EXPECT_EQ(c.queue_size, 9600);
  EXPECT_DOUBLE_EQ(c.momentum, 0.99);
  EXPECT_DOUBLE_EQ(c.temperature, 0.07);
  EXPECT_FALSE(c.bert_from_file);
  EXPECT_TRUE(c.extra_keys.empty());
  EXPECT_EQ(c.bert.hidden_size, 768);
  EXPECT_EQ(c.bert.num_layers, 12);
  EXPECT_EQ(c.bert.num_heads, 12);
  EXPECT_EQ(c.bert.intermediate_size, 3072);
  EXPECT_EQ(c.bert.vocab_size, 21128);
  EXPECT_EQ(c.bert.max_position, 512);
  EXPECT_EQ(c.bert.type_vocab_size, 2);
  EXPECT_EQ(c.cnn_spec.channel_multiplier, 1.6);
  EXPECT_EQ(c.cnn_spec.depth_multiplier, 2.2);
  EXPECT_TRUE(c.cnn_spec.tf_same_padding);
  EXPECT_EQ(c.cnn_spec.bn_eps, 1e-3);
  EXPECT_EQ(c.cnn_spec.num_features, 2048);
}

TEST(ModelConfig, DerivesBertLargeAndB7) {
  auto yaml = with_value(kOfficialEval, "ENCODER", "'hfl/chinese-roberta-wwm-ext-large'");
  yaml = with_value(yaml, "TEXT_FEATURE_DIM", "1024");
  yaml = with_value(yaml, "CNN", "'tf_efficientnet_b7_ns'");
  yaml = with_value(yaml, "IMG_FEATURE_DIM", "2560");
  const auto c = parse(yaml);
  EXPECT_EQ(c.bert.hidden_size, 1024);
  EXPECT_EQ(c.bert.num_layers, 24);
  EXPECT_EQ(c.bert.num_heads, 16);
  EXPECT_EQ(c.bert.intermediate_size, 4096);
  EXPECT_EQ(c.cnn_spec.channel_multiplier, 2.0);
  EXPECT_EQ(c.cnn_spec.depth_multiplier, 3.1);
  EXPECT_EQ(c.cnn_spec.num_features, 2560);
}

TEST(ModelConfig, NonTfVariantUsesSymmetricPaddingAndTorchEps) {
  auto yaml = with_value(kOfficialEval, "CNN", "'efficientnet_b0'");
  const auto c = parse(with_value(yaml, "IMG_FEATURE_DIM", "1280"));
  EXPECT_FALSE(c.cnn_spec.tf_same_padding);
  EXPECT_EQ(c.cnn_spec.bn_eps, 1e-5);
  EXPECT_EQ(c.cnn_spec.channel_multiplier, 1.0);
  EXPECT_EQ(c.cnn_spec.depth_multiplier, 1.0);
  EXPECT_EQ(c.cnn_spec.num_features, 1280);
}

TEST(ModelConfig, RejectsUnknownModelKey) {
  EXPECT_BRIVL_ERROR(parse(std::string(kOfficialEval) + "    DROPOUT: 0.1\n"), "test.yml", "MODEL.DROPOUT");
}

TEST(ModelConfig, RejectsSizesThatWouldOverflowTheBoxLayout) {
  // BOX_GRID^2 + 1 would wrap around for 2^32: it must be refused before any arithmetic.
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "BOX_GRID", "4294967296")), "MODEL.BOX_GRID", "at most 64");
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "GRID_SIZE", "1000")), "MODEL.GRID_SIZE", "at most 64");
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "IMG_SIZE", "100000")), "MODEL.IMG_SIZE", "[33, 2048]");
}

TEST(ModelConfig, RejectsUnknownTopLevelKey) {
  EXPECT_BRIVL_ERROR(parse(std::string(kOfficialEval) + "DATASET:\n    NAME: x\n"), "test.yml", "DATASET");
}

// Found by fuzz/fuzz_model_config: a key that is a list or a mapping escaped as yaml-cpp's
// exception (and ended the program) instead of an error naming the file.
TEST(ModelConfig, RejectsAKeyThatIsNotAName) {
  EXPECT_BRIVL_ERROR(parse(std::string(kOfficialEval) + "    ? [a, b]\n    : 1\n"), "test.yml", "a key in MODEL is not a name");
  EXPECT_BRIVL_ERROR(parse(std::string(kOfficialEval) + "? {x: 1}\n: 2\n"), "test.yml", "a key in the top level is not a name");
}

TEST(ModelConfig, RejectsMissingKey) {
  EXPECT_BRIVL_ERROR(parse(without_key(kOfficialEval, "IMG_SIZE")), "test.yml", "missing key MODEL.IMG_SIZE");
  EXPECT_BRIVL_ERROR(parse(without_key(kOfficialEval, "ENCODER")), "missing key MODEL.ENCODER");
}

TEST(ModelConfig, RejectsNonIntegerValue) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "IMG_SIZE", "large")), "MODEL.IMG_SIZE", "large", "an integer");
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "BOX_GRID", "6.5")), "MODEL.BOX_GRID", "an integer");
}

TEST(ModelConfig, RejectsNonPositiveSize) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "TEXT_TRANSFORMER_LAYER", "0")), "MODEL.TEXT_TRANSFORMER_LAYER",
                     "positive");
}

TEST(ModelConfig, RejectsTextFeatureDimDifferentFromBertHidden) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "TEXT_FEATURE_DIM", "1024")), "MODEL.TEXT_FEATURE_DIM", "1024",
                     "768");
}

TEST(ModelConfig, RejectsImgFeatureDimDifferentFromCnnFeatures) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "IMG_FEATURE_DIM", "1280")), "MODEL.IMG_FEATURE_DIM", "1280",
                     "2048");
}

TEST(ModelConfig, RejectsHeadsThatDoNotDivideTheDimension) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "TEXT_TRANSFORMER_HEAD", "5")), "MODEL.TEXT_TRANSFORMER_HEAD",
                     "MODEL.TEXT_FEATURE_DIM");
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "IMG_TRANSFORMER_HEAD", "3")), "MODEL.IMG_TRANSFORMER_HEAD",
                     "MODEL.IMG_FEATURE_DIM");
}

TEST(ModelConfig, RejectsUnknownCnnName) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "CNN", "'resnet50'")), "test.yml", "MODEL.CNN", "resnet50");
  // Near misses of the pattern are refused too, not silently mapped to a variant.
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "CNN", "'tf_efficientnet_b9'")), "MODEL.CNN");
}

TEST(ModelConfig, RejectsUnknownEncoderWithoutSizes) {
  EXPECT_BRIVL_ERROR(parse(custom_bert_yaml()), "test.yml", "MODEL.ENCODER", "my-org/custom-bert");
}

TEST(ModelConfig, DerivesBertSizesFromCheckpointShapesForUnknownEncoder) {
  const auto shapes = custom_bert_shapes();
  const auto c = parse_model_config(custom_bert_yaml(), "test.yml", &shapes);
  EXPECT_EQ(c.bert.vocab_size, 30000);
  EXPECT_EQ(c.bert.hidden_size, 256);
  EXPECT_EQ(c.bert.num_layers, 3);
  EXPECT_EQ(c.bert.num_heads, 4);  // hidden / 64
  EXPECT_EQ(c.bert.intermediate_size, 1024);
  EXPECT_EQ(c.bert.max_position, 128);
  EXPECT_EQ(c.bert.type_vocab_size, 1);
  EXPECT_FALSE(c.bert_from_file);
}

TEST(ModelConfig, NamesTheMissingCheckpointEntryWhenDerivingBert) {
  auto shapes = custom_bert_shapes();
  shapes.erase("textencoder.backbone.bert.embeddings.position_embeddings.weight");
  EXPECT_BRIVL_ERROR(parse_model_config(custom_bert_yaml(), "test.yml", &shapes), "test.yml",
                     "embeddings.position_embeddings.weight");
}

TEST(ModelConfig, BertKeysOverrideUnknownEncoderWithoutCheckpoint) {
  const auto c = parse(custom_bert_yaml() + "    BERT_HIDDEN: 256\n    BERT_HEADS: 8\n");
  EXPECT_TRUE(c.bert_from_file);
  EXPECT_EQ(c.bert.hidden_size, 256);
  EXPECT_EQ(c.bert.num_heads, 8);
  EXPECT_EQ(c.bert.num_layers, 12);  // not given: BERT-base default
}

TEST(ModelConfig, RejectsMaxImgLenBelowBoxCount) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "MAX_IMG_LEN", "36")), "MODEL.MAX_IMG_LEN", "37");
}

TEST(ModelConfig, RejectsTooSmallImgSize) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "IMG_SIZE", "32")), "MODEL.IMG_SIZE", "32");
  EXPECT_NO_THROW(parse(with_value(kOfficialEval, "IMG_SIZE", "33")));
}

TEST(ModelConfig, RejectsMaxTextLenBeyondBertPositions) {
  EXPECT_BRIVL_ERROR(parse(with_value(kOfficialEval, "MAX_TEXT_LEN", "513")), "MODEL.MAX_TEXT_LEN", "512");
}

TEST(ModelConfig, RejectsInvalidYaml) {
  EXPECT_BRIVL_ERROR(parse("MODEL:\n    NAME: [VL\n"), "test.yml", "not valid YAML");
}

TEST(ModelConfig, RejectsMissingModelSection) {
  EXPECT_BRIVL_ERROR(parse("TRAIN:\n    LR: 0.1\n"), "test.yml", "MODEL:");
  EXPECT_BRIVL_ERROR(parse(""), "test.yml", "MODEL:");
  EXPECT_BRIVL_ERROR(parse("MODEL: VL\n"), "test.yml", "MODEL:");
}

TEST(ModelConfig, LoadNamesUnreadableFile) {
  EXPECT_BRIVL_ERROR(load_model_config("/nonexistent/brivl/config.yml"), "/nonexistent/brivl/config.yml");
}

TEST(ModelConfig, YamlRoundTripOfOfficialConfig) {
  const auto c = parse(kOfficialEval);
  const auto text = model_config_to_yaml(c);
  expect_same_config(parse_model_config(text, "saved.yml"), c);
  EXPECT_EQ(text.find("extra keys"), std::string::npos);  // nothing beyond the official layout
}

TEST(ModelConfig, YamlRoundTripKeepsExtraKeys) {
  const auto c = load_model_config(test::fixture_model_file("config.yml"));
  const auto again = parse_model_config(model_config_to_yaml(c), "saved.yml");
  expect_same_config(again, c);
  EXPECT_THAT(again.extra_keys, ::testing::Contains(Pair("CNN_CHANNEL_MULTIPLIER", "0.25")));
  EXPECT_THAT(again.extra_keys, ::testing::Contains(Pair("BERT_HIDDEN", "64")));
}

TEST(ModelConfig, YamlRoundTripKeepsFloatsExactly) {
  // Values a user may write with more than 6 significant digits must survive saving.
  auto yaml = with_value(kOfficialEval, "MOMENTUM", "0.999123456789");
  yaml = with_value(yaml, "TEMPERATURE", "0.0123456789");
  const auto c = parse(yaml);
  expect_same_config(parse_model_config(model_config_to_yaml(c), "saved.yml"), c);
}

TEST(EfficientNetSpecFor, AcceptsTimmVariantSuffixes) {
  EXPECT_TRUE(efficientnet_spec_for("tf_efficientnet_b3_ap", "k").tf_same_padding);
  EXPECT_FALSE(efficientnet_spec_for("efficientnet_l2", "k").tf_same_padding);
  const auto b1 = efficientnet_spec_for("efficientnet_b1", "k");
  EXPECT_EQ(b1.channel_multiplier, 1.0);
  EXPECT_EQ(b1.depth_multiplier, 1.1);
  EXPECT_EQ(b1.num_features, 1280);
}

TEST(EfficientNetSpecFor, ErrorNamesTheKey) {
  EXPECT_BRIVL_ERROR(efficientnet_spec_for("mobilenetv3", "cfg.yml: MODEL.CNN"), "cfg.yml: MODEL.CNN", "mobilenetv3");
}

}  // namespace
}  // namespace brivl
