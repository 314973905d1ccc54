#include "widgets/exportreport.h"

#include "guicore/benchmarkcontroller.h"
#include "report_writer.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QWidget>

namespace gui {

void exportReportDialog(QWidget* parent, const BenchmarkController& controller)
{
    const auto tr = [](const char* s) { return QCoreApplication::translate("ExportReport", s); };
    if (!controller.canSave())
        return;
    QString path = QFileDialog::getSaveFileName(parent, tr("Export Report"), QDir::current().filePath(QStringLiteral("report.html")),
                                                tr("Reports (*.html *.pdf);;HTML, one file (*.html);;PDF (*.pdf)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".html");
    // The report is built from the same JSON record Save writes, so it shows exactly what was saved.
    auto report = ss::benchFromJsonText(controller.resultsJson().toStdString());
    ss::Status status = report.status();
    if (report) {
        // US and Canadian locales print on Letter, the rest of the world on A4.
        const QLocale::Country country = QLocale::system().territory();
        const auto page = country == QLocale::UnitedStates || country == QLocale::Canada ? ss::report::PageSize::Letter
                                                                                          : ss::report::PageSize::A4;
        status = ss::report::writeReport({{"R1: " + report->first.model_name, report->first, report->second}}, path.toStdString(), page);
    }
    if (!status)
        QMessageBox::warning(parent, tr("Cannot export the report"), QString::fromStdString(status.message()));
}

} // namespace gui
