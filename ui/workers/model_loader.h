#pragma once
// Loads a model bundle on a pool thread (QtConcurrent) and reports back on the UI thread.
// A newer load() supersedes an older one still running: only the newest result is reported.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

#include "embed/embedder.h"
#include "imagine/imaginer.h"
#include "model/model_files.h"

namespace brivl::ui {

struct ModelRequest {
  QString dir;                          // bundle folder or training run folder
  // Or the three official files wherever they are (all three set, `dir` empty): the config .yml,
  // the .pth / .safetensors checkpoint and the vocab.txt.
  QString config, checkpoint, vocab;
  QString device = QStringLiteral("auto");  // auto | cpu | cuda[:N]
  QString dtype = QStringLiteral("fp32");   // fp32 | bf16 | fp16
  int threads = 0;                      // intra-op threads, 0: LibTorch's default

  bool hasFiles() const { return dir.isEmpty() && !checkpoint.isEmpty(); }
  // One string naming the model, for the recent list and settings: the folder, or the three files
  // joined by newlines (fromSource reads both back).
  QString source() const;
  static ModelRequest fromSource(const QString& source);
  // Where the model is, for messages: the folder, or the checkpoint file.
  QString location() const { return hasFiles() ? checkpoint : dir; }
};

// A loaded model (or the reason it failed). Copyable; the engine is shared, never copied.
struct ModelHandle {
  ModelRequest request;
  brivl::ModelFiles files;
  brivl::EmbedderOptions options;
  std::shared_ptr<brivl::Imaginer> imaginer;
  bool gpu = false;
  QString fingerprint;
  // The preset the bundle's imagine.json recommends (empty: none), the Imagine tab's default.
  QString recommendedPreset;
  double seconds = 0;
  QString error;  // empty on success
};

class ModelLoader : public QObject {
  Q_OBJECT
 public:
  explicit ModelLoader(QObject* parent = nullptr);
  void load(const ModelRequest& request);
  bool isLoading() const { return current_ != nullptr; }

  // The blocking load (runs on the pool thread). Never throws: errors go to ModelHandle::error.
  // `progress` (optional) gets the checkpoint's bytes read and to read.
  static ModelHandle loadBlocking(const ModelRequest& request, const std::function<void(qint64, qint64)>& progress = nullptr);

 Q_SIGNALS:
  void loaded(const brivl::ui::ModelHandle& model);
  void progress(int permille);  // of the checkpoint read, for the newest load
  void failed(const brivl::ui::ModelRequest& request, const QString& message);

 private:
  QFutureWatcher<ModelHandle>* current_ = nullptr;
};

}  // namespace brivl::ui
