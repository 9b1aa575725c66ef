#include "ui/workers/train_process.h"

#include "ui/studio_paths.h"

namespace brivl::ui {

TrainProcess::TrainProcess(QObject* parent) : QObject(parent) {
  process_.setProcessChannelMode(QProcess::MergedChannels);
  connect(&process_, &QProcess::readyReadStandardOutput, this, &TrainProcess::readOutput);
  connect(&process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    readOutput();
    QString summary;
    if (status == QProcess::CrashExit) summary = tr("the training process crashed");
    else if (code == 0) summary = tr("finished");
    else if (code == 130) summary = tr("stopped with a checkpoint (Resume continues it)");
    else summary = tr("failed (exit %1): %2").arg(code).arg(tail_.isEmpty() ? QString() : tail_.last());
    Q_EMIT exited(status == QProcess::CrashExit ? -1 : code, summary);
  });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart) Q_EMIT exited(-1, tr("could not start %1: %2").arg(program_, process_.errorString()));
  });
}

TrainProcess::~TrainProcess() {
  if (!isRunning()) return;
  process_.terminate();
  if (!process_.waitForFinished(15000)) process_.kill(), process_.waitForFinished(2000);
}

QStringList TrainProcess::launchArguments(const TrainRequest& r) {
  QStringList args{QStringLiteral("train"), QStringLiteral("--data"), r.data, QStringLiteral("--out"), r.out,
                   QStringLiteral("--epochs"), QString::number(r.epochs), QStringLiteral("--batch"),
                   QString::number(r.batch), QStringLiteral("--lr"), QString::number(r.lr, 'g', 6)};
  if (r.maxMinutes > 0) args << QStringLiteral("--max-minutes") << QString::number(r.maxMinutes, 'g', 6);
  if (!r.config.isEmpty()) args << QStringLiteral("--config") << r.config;
  if (!r.vocab.isEmpty()) args << QStringLiteral("--vocab") << r.vocab;
  if (r.processes > 1) args << QStringLiteral("--nproc-per-node") << QString::number(r.processes);
  args << r.extra << QStringLiteral("--jsonl");
  return args;
}

bool TrainProcess::launch(const TrainRequest& request, QString* error) {
  return start(launchArguments(request), request.out, error);
}

bool TrainProcess::resume(const QString& runDir, int processes, QString* error) {
  QStringList args{QStringLiteral("train"), QStringLiteral("--resume"), runDir, QStringLiteral("--jsonl")};
  // A run continues on any number of processes (the batch is the step's, whatever the count).
  if (processes > 1) args << QStringLiteral("--nproc-per-node") << QString::number(processes);
  return start(args, runDir, error);
}

bool TrainProcess::start(const QStringList& arguments, const QString& runDir, QString* error) {
  if (isRunning()) {
    if (error) *error = tr("a training run is already going");
    return false;
  }
  program_ = brivlCliPath();
  if (program_.isEmpty()) {
    if (error) *error = tr("the brivl program was not found next to the studio, in the build tree or on the PATH (set BRIVL_CLI)");
    return false;
  }
  runDir_ = runDir;
  partial_.clear();
  tail_.clear();
  commandLine_ = QStringLiteral("%1 %2").arg(program_, arguments.join(QLatin1Char(' ')));
  process_.start(program_, arguments);
  Q_EMIT started(runDir);
  return true;
}

void TrainProcess::stop() {
  if (isRunning()) process_.terminate();  // SIGTERM: the trainer checkpoints and exits 130
}

void TrainProcess::readOutput() {
  partial_ += process_.readAllStandardOutput();
  int end;
  while ((end = partial_.indexOf('\n')) >= 0) {
    QString line = QString::fromUtf8(partial_.left(end)).trimmed();
    partial_.remove(0, end + 1);
    const int cr = line.lastIndexOf(QLatin1Char('\r'));  // progress lines redraw with \r
    if (cr >= 0) line = line.mid(cr + 1);
    if (line.isEmpty() || line.startsWith(QLatin1Char('{'))) continue;  // JSON progress: the charts show it
    tail_ << line;
    if (tail_.size() > 30) tail_.removeFirst();
  }
}

}  // namespace brivl::ui
