#pragma once
// Builds the synthetic shapes dataset (brivl::write_shapes_dataset) on its own thread, with
// progress; the destructor waits for it.
#include <QObject>
#include <QString>

class QThread;

namespace brivl::ui {

struct ShapesRequest {
  QString dir;
  int count = 1200;
  int imageSize = 96;
  quint64 seed = 1;
  bool overwrite = false;
};

class DatasetWorker : public QObject {
  Q_OBJECT
 public:
  explicit DatasetWorker(QObject* parent = nullptr);
  ~DatasetWorker() override;
  bool isRunning() const { return running_; }
  void buildShapes(const ShapesRequest& request);

 Q_SIGNALS:
  void progress(int done, int total);
  void finished(const QString& captionsFile);
  void failed(const QString& message);

 private:
  void reap();
  QThread* thread_ = nullptr;
  bool running_ = false;
};

}  // namespace brivl::ui
