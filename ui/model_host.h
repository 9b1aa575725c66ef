#pragma once
// The studio's current model: which bundle is loaded or loading, the shared engine, and the
// error of the last failed load. Panels read it; only the model bar asks it to load.
#include <QObject>

#include "ui/workers/model_loader.h"

namespace brivl::ui {

class ModelHost : public QObject {
  Q_OBJECT
 public:
  enum class State { Empty, Loading, Ready, Failed };

  explicit ModelHost(QObject* parent = nullptr);

  // Starts an asynchronous load; the previous model stays usable until the new one is ready.
  void load(const ModelRequest& request);
  State state() const { return state_; }
  bool isReady() const { return model_.imaginer != nullptr; }
  const ModelHandle& model() const { return model_; }  // the last successfully loaded model
  const ModelRequest& pending() const { return pending_; }  // what is loading (or failed)
  const QString& error() const { return error_; }

 Q_SIGNALS:
  void stateChanged(brivl::ui::ModelHost::State state);
  void modelReady();
  void loadProgress(int permille);  // of the checkpoint read
  void loadFailed(const QString& dir, const QString& message);

 private:
  void setState(State state);
  ModelLoader loader_;
  ModelHandle model_;
  ModelRequest pending_;
  QString error_;
  State state_ = State::Empty;
};

}  // namespace brivl::ui
