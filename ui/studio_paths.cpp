#include "ui/studio_paths.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <exception>

#include "model/model_files.h"

namespace brivl::ui {

QString brivlCliPath() {
  const QString env = qEnvironmentVariable("BRIVL_CLI");
  if (!env.isEmpty() && QFileInfo(env).isExecutable()) return env;
  const QString appDir = QCoreApplication::applicationDirPath();
  for (const QString& candidate : {appDir + QStringLiteral("/brivl"), appDir + QStringLiteral("/../app/brivl")}) {
    if (QFileInfo(candidate).isExecutable()) return QFileInfo(candidate).canonicalFilePath();
  }
#ifdef BRIVL_BUILD_TREE_CLI
  const QString built = QStringLiteral(BRIVL_BUILD_TREE_CLI);
  if (QFileInfo(built).isExecutable()) return built;
#endif
  return QStandardPaths::findExecutable(QStringLiteral("brivl"));
}

QString defaultModelDir(QString* error) {
  try {
    return QString::fromStdString(brivl::default_model_dir(QCoreApplication::applicationFilePath().toStdString()));
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return {};
  }
}

QString appDataDir() {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(dir);
  return dir;
}

QString newRunDir() {
  const QString base = appDataDir() + QStringLiteral("/runs/run-") +
                       QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  QString dir = base;
  for (int i = 2; QFileInfo::exists(dir); ++i) dir = base + QStringLiteral("-%1").arg(i);
  return dir;
}

}  // namespace brivl::ui
