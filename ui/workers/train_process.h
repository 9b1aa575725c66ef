#pragma once
// A training run as a child process: `brivl train … --jsonl` (or `--resume RUN_DIR`) under
// QProcess. The run writes its folder (metrics.jsonl, status.json, train.log, checkpoints), which
// RunMonitor follows; this class only starts and stops it (SIGTERM: checkpoint, exit 130) and keeps
// the last lines of its output (the error of a run that fails before its folder exists).
#include <QObject>
#include <QProcess>
#include <QStringList>

namespace brivl::ui {

struct TrainRequest {
  QString data, out, config, vocab;
  int epochs = 40;
  int batch = 32;
  double lr = 1e-3;
  double maxMinutes = 0;  // 0: no limit
  int processes = 1;      // > 1: data-parallel on this machine (--nproc-per-node)
  QStringList extra;      // further `brivl train` options, passed as they are
};

class TrainProcess : public QObject {
  Q_OBJECT
 public:
  explicit TrainProcess(QObject* parent = nullptr);
  ~TrainProcess() override;  // a running child is asked to stop and given time to checkpoint

  static QStringList launchArguments(const TrainRequest& request);
  bool launch(const TrainRequest& request, QString* error);
  bool resume(const QString& runDir, int processes, QString* error);
  void stop();
  bool isRunning() const { return process_.state() != QProcess::NotRunning; }
  QString program() const { return program_; }
  QString commandLine() const { return commandLine_; }
  QStringList outputTail() const { return tail_; }  // the last lines, progress JSON left out

 Q_SIGNALS:
  void started(const QString& runDir);
  // exitCode: 0 finished, 130 stopped (resumable), else failed; `summary` says which.
  void exited(int exitCode, const QString& summary);

 private:
  bool start(const QStringList& arguments, const QString& runDir, QString* error);
  void readOutput();

  QProcess process_;
  QString program_;
  QString runDir_;
  QString commandLine_;
  QByteArray partial_;
  QStringList tail_;
};

}  // namespace brivl::ui
