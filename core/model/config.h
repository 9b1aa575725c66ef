#pragma once
// BriVL model configuration: the official `cfg/*.yml` (`MODEL.*` keys of brivl-nmi) plus our
// optional keys for small models (CNN_* multipliers, BERT_* sizes), resolved into concrete
// architecture specs for the EfficientNet and BERT towers.
// Ref: brivl-nmi cfg/eval.yml, utils/config.py; timm 0.4.9 efficientnet.py `_gen_efficientnet`.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace brivl {

// Concrete EfficientNet layout (timm `_gen_efficientnet` arguments).
struct EfficientNetSpec {
  std::string variant;             // e.g. "tf_efficientnet_b5_ns"
  double channel_multiplier = 1.0;
  double depth_multiplier = 1.0;
  int64_t num_features = 1280;     // conv_head output channels
  bool tf_same_padding = true;     // tf_* variants: TF "SAME" padding from the input size
  double bn_eps = 1e-3;            // 1e-3 for tf_* variants, 1e-5 otherwise
};

// Concrete BERT layout (HF BertConfig fields).
struct BertSpec {
  int64_t vocab_size = 21128;
  int64_t hidden_size = 768;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
};

struct ModelConfig {
  std::string name = "VL";
  std::string encoder;  // MODEL.ENCODER, e.g. "hfl/chinese-roberta-wwm-ext"
  int64_t text_feature_dim = 768;
  int64_t text_transformer_head = 4;
  int64_t text_transformer_layer = 4;
  int64_t max_text_len = 80;

  std::string cnn;  // MODEL.CNN, e.g. "tf_efficientnet_b5_ns"
  int64_t img_size = 456;
  int64_t img_feature_dim = 2048;
  int64_t img_transformer_head = 4;
  int64_t img_transformer_layer = 4;
  int64_t max_img_len = 37;
  int64_t box_grid = 6;

  int64_t topk = 1;
  int64_t queue_size = 9600;
  double momentum = 0.99;
  double temperature = 0.07;
  int64_t grid_size = 4;

  EfficientNetSpec cnn_spec;
  BertSpec bert;
  // Extra keys given explicitly in the file (kept so that saving writes them back).
  std::map<std::string, std::string> extra_keys;
  bool bert_from_file = false;  // BERT_* keys present (otherwise derived)
  std::string source;           // file the config came from, for error messages

  // Number of regions per image: BOX_GRID^2 grid cells + the whole image.
  int64_t num_boxes() const { return box_grid * box_grid + 1; }
};

// Shapes of checkpoint entries, used to derive sizes the YAML does not give.
using ShapeIndex = std::map<std::string, std::vector<int64_t>>;

// Parses YAML text (`MODEL:` mapping). `source` names the file in error messages.
// When BERT sizes can be derived neither from BERT_* keys nor from a known ENCODER name, they are
// taken from `checkpoint_shapes` if given (keys `textencoder.backbone.bert.*`), else an error.
ModelConfig parse_model_config(const std::string& yaml_text, const std::string& source,
                               const ShapeIndex* checkpoint_shapes = nullptr);
ModelConfig load_model_config(const std::string& path, const ShapeIndex* checkpoint_shapes = nullptr);

// Serializes back to the official layout (+ our extra keys when they were present).
std::string model_config_to_yaml(const ModelConfig& config);

// Multipliers of a timm EfficientNet variant name; throws naming `key` for unknown names.
EfficientNetSpec efficientnet_spec_for(const std::string& cnn_name, const std::string& key);

}  // namespace brivl
