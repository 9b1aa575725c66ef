// brivl-studio: the Qt 6 desktop application (Imagine, Retrieve, Train) over brivl_core.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>
#include <QTimer>
#include <cstdio>

#include "ui/main_window.h"
#include "ui/screenshot_tour.h"
#include "util/allocator_tuning.h"

namespace {

// Without any display, Qt's platform plugin aborts with a core dump and a message about plugins.
// QT_QPA_PLATFORM (offscreen in the tests) is taken as given.
// So are Qt's -platform argument and --help/--version (which need no window, but QApplication
// still wants a platform: they get offscreen).
bool displayAvailable(int argc, char** argv) {
  if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY") ||
      !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    return true;
  }
  for (int i = 1; i < argc; ++i) {
    const QByteArray a(argv[i]);
    if (a == "-platform" || a == "--platform") return true;
    if (a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version") {
      qputenv("QT_QPA_PLATFORM", "offscreen");
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  brivl::keep_freed_memory_for_reuse();  // big tensors reuse freed memory, no page faults per pass (util/allocator_tuning.h)
  if (!displayAvailable(argc, argv)) {
    std::fprintf(stderr,
                 "brivl-studio: no display ($DISPLAY and $WAYLAND_DISPLAY are empty): start it in a desktop session. "
                 "Everything it does is also in the brivl command (brivl --help).\n");
    return 1;
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("BriVL"));
  QApplication::setApplicationName(QStringLiteral("BriVL Studio"));
  QApplication::setApplicationVersion(QStringLiteral(BRIVL_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("brivl-studio"));  // Wayland: match the .desktop entry
  QIcon icon;
  for (int side : {48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/brivl-studio-%1.png").arg(side));
  QApplication::setWindowIcon(icon);

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("BriVL Studio: imagine, retrieve and train with BriVL"));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model bundle or training run folder to load."),
                                 QStringLiteral("DIR"));
  parser.addOption(model);
  const QCommandLineOption lang(QStringLiteral("lang"),
                                QStringLiteral("User interface language, e.g. zh_CN or en (default: the system's)."),
                                QStringLiteral("LANG"));
  parser.addOption(lang);
  // Documentation screenshots (hidden): drive each tab and save DIR/{imagine,retrieve,train}.png.
  auto hidden = [](QCommandLineOption o) {
    o.setFlags(QCommandLineOption::HiddenFromHelp);
    return o;
  };
  const auto shotDir = hidden({QStringLiteral("screenshot"), QStringLiteral("Save screenshots to DIR and quit."), QStringLiteral("DIR")});
  const auto shotImages = hidden({QStringLiteral("screenshot-images"), QStringLiteral("Folder to index."), QStringLiteral("DIR")});
  const auto shotRun = hidden({QStringLiteral("screenshot-run"), QStringLiteral("Run folder to follow."), QStringLiteral("DIR")});
  const auto shotQuery = hidden({QStringLiteral("screenshot-query"), QStringLiteral("Retrieval query."), QStringLiteral("TEXT")});
  const auto shotPrompt = hidden({QStringLiteral("screenshot-prompt"), QStringLiteral("Imagine prompt."), QStringLiteral("TEXT")});
  const auto shotCaptions = hidden({QStringLiteral("screenshot-captions"), QStringLiteral("Caption list for the preview."), QStringLiteral("FILE")});
  parser.addOptions({shotDir, shotImages, shotRun, shotQuery, shotPrompt, shotCaptions});
  parser.process(app);

  // Our strings from the embedded translations, Qt's own (standard dialogs) from the system's.
  const QLocale locale = parser.isSet(lang) ? QLocale(parser.value(lang)) : QLocale::system();
  QTranslator studioTranslator, qtTranslator;
  if (studioTranslator.load(locale, QStringLiteral("brivl-studio"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
    QApplication::installTranslator(&studioTranslator);
  }
  if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                        QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QApplication::installTranslator(&qtTranslator);
  }

  brivl::ui::MainWindow window;
  if (parser.isSet(shotDir)) window.resize(1380, 860);
  window.show();
  window.start(parser.value(model));

  if (parser.isSet(shotDir)) {
    brivl::ui::TourOptions options;
    options.outDir = parser.value(shotDir);
    options.imagesDir = parser.value(shotImages);
    options.runDir = parser.value(shotRun);
    if (parser.isSet(shotQuery)) options.query = parser.value(shotQuery);
    if (parser.isSet(shotPrompt)) options.prompt = parser.value(shotPrompt);
    options.captions = parser.value(shotCaptions);
    auto* tour = new brivl::ui::ScreenshotTour(&window, options);
    QTimer::singleShot(0, tour, &brivl::ui::ScreenshotTour::begin);
  }
  return QApplication::exec();
}
