#include "model/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "model/efficientnet_layout.h"
#include "util/error.h"

namespace brivl {
namespace {

const std::set<std::string>& official_keys() {
  static const std::set<std::string> keys = {
      "NAME", "ENCODER", "TEXT_FEATURE_DIM", "TEXT_TRANSFORMER_HEAD", "TEXT_TRANSFORMER_LAYER",
      "MAX_TEXT_LEN", "CNN", "IMG_SIZE", "IMG_FEATURE_DIM", "IMG_TRANSFORMER_HEAD",
      "IMG_TRANSFORMER_LAYER", "MAX_IMG_LEN", "BOX_GRID", "TOPK", "QUEUE_SIZE", "MOMENTUM",
      "TEMPERATURE", "GRID_SIZE"};
  return keys;
}

const std::set<std::string>& extra_key_names() {
  static const std::set<std::string> keys = {
      "CNN_CHANNEL_MULTIPLIER", "CNN_DEPTH_MULTIPLIER", "CNN_NUM_FEATURES", "BERT_VOCAB",
      "BERT_HIDDEN", "BERT_LAYERS", "BERT_HEADS", "BERT_INTERMEDIATE", "BERT_MAX_POSITION",
      "BERT_TYPE_VOCAB"};
  return keys;
}

class ModelNode {
 public:
  ModelNode(YAML::Node node, std::string source) : node_(std::move(node)), source_(std::move(source)) {}

  bool has(const std::string& key) const { return static_cast<bool>(node_[key]); }

  template <typename T>
  T get(const std::string& key, const char* expected) const {
    BRIVL_CHECK(has(key), source_, ": missing key MODEL.", key, " (expected ", expected, ")");
    try {
      return node_[key].as<T>();
    } catch (const YAML::Exception&) {
      BRIVL_FAIL(source_, ": MODEL.", key, " = '", YAML::Dump(node_[key]), "' is not ", expected);
    }
  }

  int64_t positive_int(const std::string& key) const {
    const auto value = get<int64_t>(key, "an integer");
    BRIVL_CHECK(value > 0, source_, ": MODEL.", key, " = ", value, " must be positive");
    return value;
  }

  template <typename T>
  void optional(const std::string& key, T& out, const char* expected,
                std::map<std::string, std::string>& seen) const {
    if (!has(key)) return;
    out = get<T>(key, expected);
    seen[key] = YAML::Dump(node_[key]);
  }

  const YAML::Node& node() const { return node_; }
  const std::string& source() const { return source_; }

 private:
  YAML::Node node_;
  std::string source_;
};

BertSpec bert_spec_for_encoder(const std::string& encoder, bool* known) {
  BertSpec spec;  // defaults = chinese-roberta-wwm-ext (BERT-base)
  static const std::set<std::string> base = {"hfl/chinese-roberta-wwm-ext", "hfl/chinese-bert-wwm-ext",
                                             "hfl/chinese-bert-wwm", "bert-base-chinese"};
  static const std::set<std::string> large = {"hfl/chinese-roberta-wwm-ext-large"};
  *known = true;
  if (base.count(encoder)) return spec;
  if (large.count(encoder)) {
    spec.hidden_size = 1024;
    spec.num_layers = 24;
    spec.num_heads = 16;
    spec.intermediate_size = 4096;
    return spec;
  }
  *known = false;
  return spec;
}

// A 2-D shape of sane, positive sizes (the model is built from it before any data is read).
std::vector<int64_t> shape_of(const ShapeIndex& shapes, const std::string& key, const std::string& source) {
  auto it = shapes.find(key);
  BRIVL_CHECK(it != shapes.end(), source, ": cannot derive BERT sizes: checkpoint has no '", key, "'");
  const auto& s = it->second;
  BRIVL_CHECK(s.size() == 2 && s[0] > 0 && s[1] > 0 && s[0] <= (int64_t{1} << 24) && s[1] <= 65536, source,
              ": cannot derive BERT sizes: checkpoint entry '", key, "' is not a plausible 2-D weight");
  return s;
}

// Derives BERT sizes from the checkpoint's shapes. Heads cannot be seen in shapes: BERT uses a
// head width of 64 in every published Chinese checkpoint, so heads = hidden / 64.
BertSpec bert_spec_from_shapes(const ShapeIndex& shapes, const std::string& source) {
  const std::string p = "textencoder.backbone.bert.";
  BertSpec spec;
  auto word = shape_of(shapes, p + "embeddings.word_embeddings.weight", source);
  auto pos = shape_of(shapes, p + "embeddings.position_embeddings.weight", source);
  auto type = shape_of(shapes, p + "embeddings.token_type_embeddings.weight", source);
  auto inter = shape_of(shapes, p + "encoder.layer.0.intermediate.dense.weight", source);
  spec.vocab_size = word.at(0);
  spec.hidden_size = word.at(1);
  spec.max_position = pos.at(0);
  spec.type_vocab_size = type.at(0);
  spec.intermediate_size = inter.at(0);
  BRIVL_CHECK(spec.hidden_size % 64 == 0, source, ": BERT hidden size ", spec.hidden_size,
              " is not a multiple of 64: the number of heads cannot be derived; give MODEL.BERT_HEADS");
  spec.num_heads = spec.hidden_size / 64;
  int64_t layers = 0;
  while (shapes.count(p + "encoder.layer." + std::to_string(layers) + ".output.dense.weight")) ++layers;
  spec.num_layers = layers;
  BRIVL_CHECK(layers > 0, source, ": cannot derive BERT_LAYERS from the checkpoint (no encoder layers)");
  return spec;
}

void resolve_cnn(const ModelNode& m, ModelConfig& c) {
  c.cnn_spec = efficientnet_spec_for(c.cnn, m.source() + ": MODEL.CNN");
  m.optional("CNN_CHANNEL_MULTIPLIER", c.cnn_spec.channel_multiplier, "a number", c.extra_keys);
  m.optional("CNN_DEPTH_MULTIPLIER", c.cnn_spec.depth_multiplier, "a number", c.extra_keys);
  BRIVL_CHECK(c.cnn_spec.channel_multiplier > 0 && c.cnn_spec.channel_multiplier <= 8, m.source(),
              ": MODEL.CNN_CHANNEL_MULTIPLIER = ", c.cnn_spec.channel_multiplier, " must be in (0, 8]");
  BRIVL_CHECK(c.cnn_spec.depth_multiplier > 0 && c.cnn_spec.depth_multiplier <= 8, m.source(),
              ": MODEL.CNN_DEPTH_MULTIPLIER = ", c.cnn_spec.depth_multiplier, " must be in (0, 8]");
  c.cnn_spec.num_features = round_channels(1280, c.cnn_spec.channel_multiplier);
  if (m.has("CNN_NUM_FEATURES")) {
    c.cnn_spec.num_features = m.positive_int("CNN_NUM_FEATURES");
    c.extra_keys["CNN_NUM_FEATURES"] = std::to_string(c.cnn_spec.num_features);
  }
}

void resolve_bert(const ModelNode& m, ModelConfig& c, const ShapeIndex* shapes) {
  bool known = false;
  c.bert = bert_spec_for_encoder(c.encoder, &known);
  const char* bert_keys[] = {"BERT_VOCAB", "BERT_HIDDEN", "BERT_LAYERS", "BERT_HEADS",
                             "BERT_INTERMEDIATE", "BERT_MAX_POSITION", "BERT_TYPE_VOCAB"};
  bool any_bert_key = false;
  for (const char* k : bert_keys) any_bert_key |= m.has(k);
  if (!known && !any_bert_key) {
    BRIVL_CHECK(shapes != nullptr, m.source(), ": MODEL.ENCODER = '", c.encoder,
                "' is not a known BERT (hfl/chinese-roberta-wwm-ext[-large], bert-base-chinese); "
                "give BERT_* sizes in the config or a checkpoint to derive them from");
    c.bert = bert_spec_from_shapes(*shapes, m.source());
    return;
  }
  c.bert_from_file = any_bert_key;
  int64_t* targets[] = {&c.bert.vocab_size, &c.bert.hidden_size, &c.bert.num_layers, &c.bert.num_heads,
                        &c.bert.intermediate_size, &c.bert.max_position, &c.bert.type_vocab_size};
  for (size_t i = 0; i < std::size(bert_keys); ++i) {
    if (!m.has(bert_keys[i])) continue;
    *targets[i] = m.positive_int(bert_keys[i]);
    c.extra_keys[bert_keys[i]] = std::to_string(*targets[i]);
  }
}

void check_divides(const std::string& source, const char* head_key, int64_t heads, const char* dim_key,
                   int64_t dim) {
  BRIVL_CHECK(dim % heads == 0, source, ": MODEL.", head_key, " = ", heads, " must divide MODEL.", dim_key,
              " = ", dim);
}

void validate(const ModelConfig& c) {
  const auto& s = c.source;
  BRIVL_CHECK(c.name == "VL", s, ": MODEL.NAME = '", c.name, "' (expected 'VL', the only official model)");
  BRIVL_CHECK(c.text_feature_dim == c.bert.hidden_size, s, ": MODEL.TEXT_FEATURE_DIM = ", c.text_feature_dim,
              " must equal the BERT hidden size ", c.bert.hidden_size, " of ENCODER '", c.encoder, "'");
  BRIVL_CHECK(c.img_feature_dim == c.cnn_spec.num_features, s, ": MODEL.IMG_FEATURE_DIM = ", c.img_feature_dim,
              " must equal the channels of ", c.cnn, "'s forward_features (", c.cnn_spec.num_features, ")");
  check_divides(s, "TEXT_TRANSFORMER_HEAD", c.text_transformer_head, "TEXT_FEATURE_DIM", c.text_feature_dim);
  check_divides(s, "IMG_TRANSFORMER_HEAD", c.img_transformer_head, "IMG_FEATURE_DIM", c.img_feature_dim);
  check_divides(s, "BERT_HEADS", c.bert.num_heads, "BERT_HIDDEN", c.bert.hidden_size);
  BRIVL_CHECK(c.max_text_len >= 2 && c.max_text_len <= c.bert.max_position, s, ": MODEL.MAX_TEXT_LEN = ",
              c.max_text_len, " must be in [2, ", c.bert.max_position, "] (BERT position embeddings)");
  // The head divides by (feature size - 1): the feature map must be at least 2x2 (stride 32).
  BRIVL_CHECK(c.img_size > 32 && c.img_size <= 2048, s, ": MODEL.IMG_SIZE = ", c.img_size,
              " must be in [33, 2048] (feature map of at least 2x2)");
  BRIVL_CHECK(c.box_grid <= 64, s, ": MODEL.BOX_GRID = ", c.box_grid, " must be at most 64");
  BRIVL_CHECK(c.grid_size <= 64, s, ": MODEL.GRID_SIZE = ", c.grid_size, " must be at most 64");
  BRIVL_CHECK(c.max_img_len <= 65536, s, ": MODEL.MAX_IMG_LEN = ", c.max_img_len, " must be at most 65536");
  BRIVL_CHECK(c.max_img_len >= c.num_boxes(), s, ": MODEL.MAX_IMG_LEN = ", c.max_img_len,
              " must be at least BOX_GRID^2 + 1 = ", c.num_boxes());
  BRIVL_CHECK(c.momentum >= 0 && c.momentum <= 1, s, ": MODEL.MOMENTUM = ", c.momentum, " must be in [0, 1]");
  BRIVL_CHECK(c.temperature > 0, s, ": MODEL.TEMPERATURE = ", c.temperature, " must be positive");
}

// Shortest text that reads back to the same double (0.99 stays "0.99").
std::string format_double(double v) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, result.ptr);
}

}  // namespace

EfficientNetSpec efficientnet_spec_for(const std::string& cnn_name, const std::string& key) {
  // Ref: timm 0.4.9 efficientnet.py, the (channel, depth) multipliers of each `_gen_efficientnet` call.
  static const std::map<std::string, std::pair<double, double>> multipliers = {
      {"b0", {1.0, 1.0}}, {"b1", {1.0, 1.1}}, {"b2", {1.1, 1.2}}, {"b3", {1.2, 1.4}},
      {"b4", {1.4, 1.8}}, {"b5", {1.6, 2.2}}, {"b6", {1.8, 2.6}}, {"b7", {2.0, 3.1}},
      {"b8", {2.2, 3.6}}, {"l2", {4.3, 5.3}}};
  static const std::regex pattern("(tf_)?efficientnet_(b[0-8]|l2)(_ns|_ap)?");
  std::smatch match;
  BRIVL_CHECK(std::regex_match(cnn_name, match, pattern), key, " = '", cnn_name,
              "' is not a supported CNN (expected [tf_]efficientnet_b0..b8|l2[_ns|_ap])");
  EfficientNetSpec spec;
  spec.variant = cnn_name;
  spec.tf_same_padding = match[1].matched;
  spec.bn_eps = spec.tf_same_padding ? 1e-3 : 1e-5;
  const auto& mult = multipliers.at(match[2].str());
  spec.channel_multiplier = mult.first;
  spec.depth_multiplier = mult.second;
  spec.num_features = round_channels(1280, spec.channel_multiplier);
  return spec;
}

ModelConfig parse_model_config(const std::string& yaml_text, const std::string& source,
                               const ShapeIndex* checkpoint_shapes) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    BRIVL_FAIL(source, ": not valid YAML: ", e.what());
  }
  BRIVL_CHECK(root.IsMap() && root["MODEL"] && root["MODEL"].IsMap(), source,
              ": expected a mapping with a 'MODEL:' section (official cfg/*.yml layout)");
  // A key that is not a name (a list or a mapping used as a key) is refused with the others.
  const auto key_name = [&source](const YAML::Node& key, const char* where) {
    BRIVL_CHECK(key.IsScalar(), source, ": a key in ", where, " is not a name: '", YAML::Dump(key), "'");
    return key.Scalar();
  };
  for (const auto& item : root) {
    const auto key = key_name(item.first, "the top level");
    BRIVL_CHECK(key == "MODEL", source, ": unknown top-level key '", key, "' (expected only MODEL)");
  }
  ModelNode m(root["MODEL"], source);
  for (const auto& item : m.node()) {
    const auto key = key_name(item.first, "MODEL");
    BRIVL_CHECK(official_keys().count(key) || extra_key_names().count(key), source, ": unknown key MODEL.", key);
  }
  ModelConfig c;
  c.source = source;
  c.name = m.get<std::string>("NAME", "a string");
  c.encoder = m.get<std::string>("ENCODER", "a string");
  c.text_feature_dim = m.positive_int("TEXT_FEATURE_DIM");
  c.text_transformer_head = m.positive_int("TEXT_TRANSFORMER_HEAD");
  c.text_transformer_layer = m.positive_int("TEXT_TRANSFORMER_LAYER");
  c.max_text_len = m.positive_int("MAX_TEXT_LEN");
  c.cnn = m.get<std::string>("CNN", "a string");
  c.img_size = m.positive_int("IMG_SIZE");
  c.img_feature_dim = m.positive_int("IMG_FEATURE_DIM");
  c.img_transformer_head = m.positive_int("IMG_TRANSFORMER_HEAD");
  c.img_transformer_layer = m.positive_int("IMG_TRANSFORMER_LAYER");
  c.max_img_len = m.positive_int("MAX_IMG_LEN");
  c.box_grid = m.positive_int("BOX_GRID");
  c.topk = m.positive_int("TOPK");
  c.queue_size = m.positive_int("QUEUE_SIZE");
  c.momentum = m.get<double>("MOMENTUM", "a number");
  c.temperature = m.get<double>("TEMPERATURE", "a number");
  c.grid_size = m.positive_int("GRID_SIZE");
  resolve_cnn(m, c);
  resolve_bert(m, c, checkpoint_shapes);
  validate(c);
  return c;
}

ModelConfig load_model_config(const std::string& path, const ShapeIndex* checkpoint_shapes) {
  std::ifstream in(path, std::ios::binary);
  BRIVL_CHECK(in, path, ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_model_config(text.str(), path, checkpoint_shapes);
}

std::string model_config_to_yaml(const ModelConfig& c) {
  std::ostringstream out;
  out << "MODEL:\n"
      << "    NAME: " << c.name << "\n\n"
      << "    ENCODER: '" << c.encoder << "'\n"
      << "    TEXT_FEATURE_DIM: " << c.text_feature_dim << "\n"
      << "    TEXT_TRANSFORMER_HEAD: " << c.text_transformer_head << "\n"
      << "    TEXT_TRANSFORMER_LAYER: " << c.text_transformer_layer << "\n"
      << "    MAX_TEXT_LEN: " << c.max_text_len << "\n\n"
      << "    CNN: '" << c.cnn << "'\n"
      << "    IMG_SIZE: " << c.img_size << "\n"
      << "    IMG_FEATURE_DIM: " << c.img_feature_dim << "\n"
      << "    IMG_TRANSFORMER_HEAD: " << c.img_transformer_head << "\n"
      << "    IMG_TRANSFORMER_LAYER: " << c.img_transformer_layer << "\n"
      << "    MAX_IMG_LEN: " << c.max_img_len << "\n"
      << "    BOX_GRID: " << c.box_grid << "\n\n"
      << "    TOPK: " << c.topk << "\n"
      << "    QUEUE_SIZE: " << c.queue_size << "\n"
      << "    MOMENTUM: " << format_double(c.momentum) << "\n"
      << "    TEMPERATURE: " << format_double(c.temperature) << "\n"
      << "    GRID_SIZE: " << c.grid_size << "\n";
  if (!c.extra_keys.empty()) {
    out << "\n    # extra keys (brivl studio): small-model sizes, ignored by the official code\n";
    for (const auto& [key, value] : c.extra_keys) out << "    " << key << ": " << value << "\n";
  }
  return out.str();
}

}  // namespace brivl
