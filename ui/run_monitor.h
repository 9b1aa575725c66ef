#pragma once
// Follows a training run folder (started here or by the CLI): new lines of metrics.jsonl and
// train.log, and the current status.json, polled twice a second (the files are appended to and
// renamed atomically, which a QFileSystemWatcher on the files would lose track of). Reads are small
// and incremental.
#include <QByteArray>
#include <QObject>
#include <QString>

class QTimer;

namespace brivl::ui {

struct RunStatus {
  QString state;  // running | finished | stopped | time_limit | failed (empty: no status yet)
  qint64 step = 0, totalSteps = 0, epoch = 0, epochs = 0;
  double etaSeconds = -1, elapsedSeconds = 0;
  QString lastCheckpoint, bestCheckpoint, error;
  double bestT2iR1 = -1, bestI2tR1 = -1;
  qint64 pid = 0;  // of the `brivl train` process that writes the folder
  int worldSize = 1;  // processes of a data-parallel run
  bool hasCheckpoint() const { return !lastCheckpoint.isEmpty() || !bestCheckpoint.isEmpty(); }
};

// Parses a run folder's status.json (written by brivl train); false when `bytes` is not a
// status object.
bool parseRunStatus(const QByteArray& bytes, RunStatus* status);
// status.json's state ("running", "finished", …) in the UI language (brivl train writes English).
QString runStateText(const QString& state);

class RunMonitor : public QObject {
  Q_OBJECT
 public:
  explicit RunMonitor(QObject* parent = nullptr);
  // Starts following `runDir` from the beginning of its metrics (emits reset() first).
  void follow(const QString& runDir);
  void stopFollowing();
  void poll();  // one read now (also called by the timer)
  const QString& runDir() const { return runDir_; }
  const RunStatus& status() const { return status_; }

 Q_SIGNALS:
  void reset();
  void trainPoint(qint64 step, double loss, double lossI2t, double lossT2i, double lr, double samplesPerSecond);
  void evalPoint(qint64 step, double t2iR1, double i2tR1);
  void statusChanged(const brivl::ui::RunStatus& status);
  void logLine(const QString& line);

 private:
  // New complete lines of an append-only file; `truncated` when it shrank (read again from 0).
  struct Tail {
    explicit Tail(QString file) : name(std::move(file)) {}
    void restart() { offset = 0, partial.clear(); }
    QList<QByteArray> read(const QString& dir, bool* truncated);
    QString name;
    qint64 offset = 0;
    QByteArray partial;
  };
  void readStatus();
  void parseMetrics(const QByteArray& line);

  QTimer* timer_;
  QString runDir_;
  Tail metrics_{QStringLiteral("metrics.jsonl")};
  Tail log_{QStringLiteral("train.log")};
  QByteArray statusBytes_;
  RunStatus status_;
};

}  // namespace brivl::ui
