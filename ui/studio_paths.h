#pragma once
// Where the studio finds the things around it: the `brivl` CLI it launches for training, the
// embedded default model, and its own data folder (indexes, runs).
#include <QString>

namespace brivl::ui {

// $BRIVL_CLI, else `brivl` next to the studio (installed layout), else the build tree's
// app/brivl, else `brivl` on the PATH. Empty when none exists.
QString brivlCliPath();

// brivl::default_model_dir for this executable; empty (and `error` set) when there is none.
QString defaultModelDir(QString* error = nullptr);

// QStandardPaths::AppDataLocation, created if needed.
QString appDataDir();

// A new, not yet existing run folder under appDataDir()/runs, named by the current time.
QString newRunDir();

}  // namespace brivl::ui
