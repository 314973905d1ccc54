#include "widgets/exportmenu.h"

#include "report/report.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QImageWriter>
#include <QItemSelectionModel>
#include <QMenu>
#include <QMessageBox>
#include <QPixmap>
#include <QSaveFile>
#include <QTableView>

#include <algorithm>

namespace gui {

namespace {

QString csvField(QString s)
{
    s.replace(QChar(0x200b), QString()); // zero-width break hints are for the screen only
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n'))) {
        s.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + s + QLatin1Char('"');
    }
    return s;
}

QString suggestedName(const QWidget* w, const QString& ext)
{
    QString base = w->objectName().isEmpty() ? QStringLiteral("sparsescope") : w->objectName();
    return QDir::current().filePath(base + QLatin1Char('.') + ext);
}

void complain(QWidget* parent, const QString& sentence)
{
    auto* box = new QMessageBox(QMessageBox::Warning, QObject::tr("Export"), sentence, QMessageBox::Ok, parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace

QString tableToCsv(const QTableView* table, const QList<int>& rows)
{
    const QAbstractItemModel* m = table->model();
    if (!m)
        return {};
    QList<int> columns;
    for (int c = 0; c < m->columnCount(); ++c)
        if (!table->isColumnHidden(c))
            columns << c;
    // In the order the header shows them (the user may have moved sections).
    std::sort(columns.begin(), columns.end(),
              [&](int a, int b) { return table->horizontalHeader()->visualIndex(a) < table->horizontalHeader()->visualIndex(b); });
    QStringList lines;
    QStringList header;
    for (int c : columns)
        header << csvField(m->headerData(c, Qt::Horizontal).toString().replace(QLatin1Char('\n'), QLatin1Char(' ')));
    lines << header.join(QLatin1Char(','));
    for (int r = 0; r < m->rowCount(); ++r) {
        if (!rows.isEmpty() && !rows.contains(r))
            continue;
        QStringList fields;
        for (int c : columns)
            fields << csvField(m->index(r, c).data().toString());
        lines << fields.join(QLatin1Char(','));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

bool saveWidgetPng(QWidget* widget, const QString& path, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QObject::tr("Cannot write '%1': %2.").arg(path, file.errorString());
        return false;
    }
    QImageWriter writer(&file, "png");
    if (!writer.write(widget->grab().toImage()) || !file.commit()) {
        if (error)
            *error = QObject::tr("Cannot write '%1': %2.").arg(path, writer.error() != QImageWriter::UnknownError ? writer.errorString()
                                                                                                                : file.errorString());
        return false;
    }
    return true;
}

void installChartExport(QChartView* view)
{
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(view, &QWidget::customContextMenuRequested, view, [view](const QPoint& pos) {
        QMenu menu(view);
        menu.addAction(QObject::tr("Copy Image"), view, [view] { QApplication::clipboard()->setPixmap(view->grab()); });
        menu.addAction(QObject::tr("Save Image as PNG…"), view, [view] {
            const QString path = QFileDialog::getSaveFileName(view, QObject::tr("Save Chart"), suggestedName(view, QStringLiteral("png")),
                                                              QObject::tr("PNG images (*.png)"));
            QString error;
            if (!path.isEmpty() && !saveWidgetPng(view, path, &error))
                complain(view, error);
        });
        menu.exec(view->mapToGlobal(pos));
    });
}

void installTableExport(QTableView* table)
{
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(table, &QWidget::customContextMenuRequested, table, [table](const QPoint& pos) {
        QList<int> rows;
        if (table->selectionModel())
            for (const QModelIndex& i : table->selectionModel()->selectedRows())
                rows << i.row();
        QMenu menu(table);
        if (!rows.isEmpty())
            menu.addAction(QObject::tr("Copy Selected Rows as CSV"), table,
                           [table, rows] { QApplication::clipboard()->setText(tableToCsv(table, rows)); });
        menu.addAction(QObject::tr("Copy Table as CSV"), table, [table] { QApplication::clipboard()->setText(tableToCsv(table)); });
        menu.addAction(QObject::tr("Save Table as CSV…"), table, [table] {
            const QString path = QFileDialog::getSaveFileName(table, QObject::tr("Save Table"), suggestedName(table, QStringLiteral("csv")),
                                                              QObject::tr("CSV files (*.csv)"));
            if (path.isEmpty())
                return;
            if (auto s = ss::writeTextFileAtomic(path.toStdString(), tableToCsv(table).toStdString()); !s)
                complain(table, QString::fromStdString(s.message()));
        });
        menu.exec(table->viewport()->mapToGlobal(pos));
    });
}

} // namespace gui
