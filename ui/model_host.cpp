#include "ui/model_host.h"

namespace brivl::ui {

ModelHost::ModelHost(QObject* parent) : QObject(parent) {
  connect(&loader_, &ModelLoader::progress, this, &ModelHost::loadProgress);
  connect(&loader_, &ModelLoader::loaded, this, [this](const ModelHandle& model) {
    model_ = model;
    error_.clear();
    setState(State::Ready);
    Q_EMIT modelReady();
  });
  connect(&loader_, &ModelLoader::failed, this, [this](const ModelRequest& request, const QString& message) {
    error_ = message;
    setState(State::Failed);
    Q_EMIT loadFailed(request.location(), message);
  });
}

void ModelHost::load(const ModelRequest& request) {
  pending_ = request;
  error_.clear();
  setState(State::Loading);
  loader_.load(request);
}

void ModelHost::setState(State state) {
  state_ = state;
  Q_EMIT stateChanged(state);
}

}  // namespace brivl::ui
