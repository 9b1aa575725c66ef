#include "ui/run_monitor.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace brivl::ui {

RunMonitor::RunMonitor(QObject* parent) : QObject(parent), timer_(new QTimer(this)) {
  timer_->setInterval(500);
  connect(timer_, &QTimer::timeout, this, &RunMonitor::poll);
}

void RunMonitor::follow(const QString& runDir) {
  runDir_ = runDir;
  metrics_.restart();
  log_.restart();
  statusBytes_.clear();
  status_ = RunStatus();
  Q_EMIT reset();
  poll();
  timer_->start();
}

void RunMonitor::stopFollowing() { timer_->stop(); }

void RunMonitor::poll() {
  if (runDir_.isEmpty()) return;
  bool truncated = false;
  const QList<QByteArray> metrics = metrics_.read(runDir_, &truncated);
  if (truncated) Q_EMIT reset();  // a resumed run dropped the lines after its checkpoint
  for (const QByteArray& line : metrics) parseMetrics(line);
  for (const QByteArray& line : log_.read(runDir_, &truncated)) Q_EMIT logLine(QString::fromUtf8(line));
  readStatus();
}

QList<QByteArray> RunMonitor::Tail::read(const QString& dir, bool* truncated) {
  *truncated = false;
  QFile file(QDir(dir).filePath(name));
  if (!file.exists()) return {};
  if (file.size() < offset) {
    restart();
    *truncated = true;
  }
  if (file.size() == offset || !file.open(QIODevice::ReadOnly)) return {};
  file.seek(offset);
  const QByteArray chunk = file.read(4 << 20);  // a long run catches up over a few polls
  offset += chunk.size();
  partial += chunk;
  QList<QByteArray> lines;
  int end;
  while ((end = partial.indexOf('\n')) >= 0) {
    lines.push_back(partial.left(end));
    partial.remove(0, end + 1);
  }
  return lines;
}

void RunMonitor::parseMetrics(const QByteArray& line) {
  const QJsonObject o = QJsonDocument::fromJson(line).object();
  const QString type = o.value(QStringLiteral("type")).toString();
  const qint64 step = o.value(QStringLiteral("step")).toInteger();
  if (type == QStringLiteral("train")) {
    Q_EMIT trainPoint(step, o.value(QStringLiteral("loss")).toDouble(), o.value(QStringLiteral("loss_i2t")).toDouble(),
                      o.value(QStringLiteral("loss_t2i")).toDouble(), o.value(QStringLiteral("lr")).toDouble(),
                      o.value(QStringLiteral("samples_per_s")).toDouble());
  } else if (type == QStringLiteral("eval")) {
    Q_EMIT evalPoint(step, o.value(QStringLiteral("t2i")).toObject().value(QStringLiteral("r1")).toDouble(),
                     o.value(QStringLiteral("i2t")).toObject().value(QStringLiteral("r1")).toDouble());
  }
}

QString runStateText(const QString& state) {
  if (state == QStringLiteral("running")) return RunMonitor::tr("running");
  if (state == QStringLiteral("finished")) return RunMonitor::tr("finished");
  if (state == QStringLiteral("stopped")) return RunMonitor::tr("stopped (resumable)");
  if (state == QStringLiteral("time_limit")) return RunMonitor::tr("time limit reached (resumable)");
  if (state == QStringLiteral("failed")) return RunMonitor::tr("failed");
  return state;
}

bool parseRunStatus(const QByteArray& bytes, RunStatus* status) {
  const QJsonObject o = QJsonDocument::fromJson(bytes).object();
  if (o.isEmpty() || !o.contains(QStringLiteral("state"))) return false;
  RunStatus s;
  s.state = o.value(QStringLiteral("state")).toString();
  s.step = o.value(QStringLiteral("step")).toInteger();
  s.totalSteps = o.value(QStringLiteral("total_steps")).toInteger();
  s.epoch = o.value(QStringLiteral("epoch")).toInteger();
  s.epochs = o.value(QStringLiteral("epochs")).toInteger();
  s.etaSeconds = o.value(QStringLiteral("eta_s")).toDouble(-1);
  s.elapsedSeconds = o.value(QStringLiteral("elapsed_s")).toDouble();
  s.lastCheckpoint = o.value(QStringLiteral("last_checkpoint")).toString();
  s.bestCheckpoint = o.value(QStringLiteral("best_checkpoint")).toString();
  s.error = o.value(QStringLiteral("error")).toString();
  s.pid = o.value(QStringLiteral("pid")).toInteger();
  s.worldSize = std::max(1, o.value(QStringLiteral("world_size")).toInt(1));
  const QJsonObject best = o.value(QStringLiteral("best_eval")).toObject();
  s.bestT2iR1 = best.value(QStringLiteral("t2i")).toObject().value(QStringLiteral("r1")).toDouble(-1);
  s.bestI2tR1 = best.value(QStringLiteral("i2t")).toObject().value(QStringLiteral("r1")).toDouble(-1);
  *status = s;
  return true;
}

void RunMonitor::readStatus() {
  // status.json is small and replaced by rename: read it whole, act when its bytes changed.
  QFile file(QDir(runDir_).filePath(QStringLiteral("status.json")));
  if (!file.open(QIODevice::ReadOnly)) return;
  const QByteArray bytes = file.readAll();
  if (bytes == statusBytes_) return;
  RunStatus s;
  if (!parseRunStatus(bytes, &s)) return;  // never half-written (atomic rename), but be safe: retry next poll
  statusBytes_ = bytes;
  status_ = s;
  Q_EMIT statusChanged(status_);
}

}  // namespace brivl::ui
