#include "widgets/personalisedialog.h"

#include "guicore/personaliserunner.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace gui {

namespace {
const char* const kMixKey = "live/personaliseMix";
const char* const kOutputDirKey = "live/personaliseOutputDir";

QString percent(double share) { return QString::number(100.0 * share, 'f', 1) + QLatin1Char('%'); }
QString points(double delta)
{
    return (delta >= 0 ? QStringLiteral("+") : QString()) + QString::number(100.0 * delta, 'f', 1) + QStringLiteral(" pt");
}

QWidget* withBrowse(QWidget* parent, QLineEdit* edit, const std::function<void()>& browse)
{
    auto* w = new QWidget(parent);
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(edit, 1);
    auto* b = new QToolButton(w);
    b->setText(QStringLiteral("…"));
    QObject::connect(b, &QToolButton::clicked, parent, browse);
    l->addWidget(b);
    return w;
}
} // namespace

QString PersonaliseDialog::defaultOutput(const QString& base_model, const QString& enrollment)
{
    const QString dir = QSettings().value(kOutputDirKey).toString();
    const QString folder = !dir.isEmpty() && QFileInfo(dir).isDir() ? dir
                           : !enrollment.isEmpty()                   ? QFileInfo(enrollment).absolutePath()
                                                                     : QFileInfo(base_model).absolutePath();
    return QDir(folder).filePath(QFileInfo(base_model).completeBaseName() + QStringLiteral("-personal.safetensors"));
}

PersonaliseDialog::PersonaliseDialog(const QString& base_model, const QString& enrollment, QWidget* parent)
    : QDialog(parent)
    , base_(base_model)
    , runner_(new PersonaliseRunner(this))
    , enrollment_(new QLineEdit(enrollment, this))
    , mix_(new QLineEdit(QSettings().value(kMixKey).toString(), this))
    , output_(new QLineEdit(defaultOutput(base_model, enrollment), this))
    , epochs_(new QSpinBox(this))
    , start_(new QPushButton(tr("Fine-tune"), this))
    , close_(new QPushButton(tr("Close"), this))
    , progress_(new QProgressBar(this))
    , status_(new QLabel(this))
    , table_(new QTableWidget(4, 3, this))
{
    setWindowTitle(tr("Personalise the model"));
    enrollment_->setToolTip(tr("A folder written by Enroll my voice… (or `sparsescope-cli enroll`)."));
    mix_->setPlaceholderText(tr("optional: a base corpus (Speech Commands layout) so other voices are not forgotten"));
    mix_->setToolTip(tr("Clips of this corpus are mixed into training (2 per take), and its test split shows what was forgotten."));
    output_->setToolTip(tr("The personalised model file: same masks, routes, P and k as the base model."));
    epochs_->setRange(0, 100);
    epochs_->setSpecialValueText(tr("default (10, early stop)"));
    epochs_->setToolTip(tr("Epochs at most; training stops early when the held-back takes stop improving."));

    auto* form = new QFormLayout;
    auto* base_label = new QLabel(QFileInfo(base_model).fileName(), this);
    base_label->setToolTip(base_model);
    form->addRow(tr("Base model:"), base_label);
    form->addRow(tr("Enrollment:"), withBrowse(this, enrollment_, [this] {
                     const QString d = QFileDialog::getExistingDirectory(this, tr("Enrollment folder"), enrollment_->text());
                     if (!d.isEmpty())
                         enrollment_->setText(d);
                 }));
    form->addRow(tr("Base corpus:"), withBrowse(this, mix_, [this] {
                     const QString d = QFileDialog::getExistingDirectory(this, tr("Base corpus"), mix_->text());
                     if (!d.isEmpty())
                         mix_->setText(d);
                 }));
    form->addRow(tr("Write model:"), withBrowse(this, output_, [this] {
                     const QString f = QFileDialog::getSaveFileName(this, tr("Personalised model"), output_->text(), tr("Model files (*.safetensors)"));
                     if (!f.isEmpty())
                         output_->setText(f);
                 }));
    form->addRow(tr("Epochs:"), epochs_);

    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(tr("not started"));
    status_->setWordWrap(true);
    status_->setMinimumHeight(2 * status_->fontMetrics().lineSpacing() + 4);
    status_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    table_->setHorizontalHeaderLabels({tr("Base"), tr("Personalised"), tr("Change")});
    table_->setVerticalHeaderLabels({tr("Held-back takes: keyword recall"), tr("Held-back takes: non-keyword false accepts"),
                                     tr("Base test split: keyword recall"), tr("Base test split: non-keyword false accepts")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setToolTip(tr("Before / after, scored by the first verify engine: the held-back takes of the enrollment, and the base "
                          "corpus's test split (with a base corpus) to show what was forgotten."));
    table_->setFixedHeight(table_->horizontalHeader()->sizeHint().height() + 4 * table_->verticalHeader()->defaultSectionSize() + 2 * table_->frameWidth() + 8);
    table_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(start_);
    buttons->addWidget(close_);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(table_);
    layout->addStretch();
    layout->addLayout(buttons);

    QString why;
    if (!PersonaliseRunner::available(&why)) {
        start_->setEnabled(false);
        start_->setToolTip(why);
        status_->setText(why);
    } else {
        start_->setToolTip(tr("Fine-tune on a worker thread; the masks stay fixed, so every engine still applies."));
        status_->setText(tr("Takes about a minute on two cores for 5 takes per keyword."));
    }
    connect(start_, &QPushButton::clicked, this, &PersonaliseDialog::startTraining);
    connect(close_, &QPushButton::clicked, this, &PersonaliseDialog::reject);
    connect(runner_, &PersonaliseRunner::progress, this, &PersonaliseDialog::onProgress);
    connect(runner_, &PersonaliseRunner::finished, this, &PersonaliseDialog::onFinished);
    resize(620, 460);
}

PersonaliseDialog::~PersonaliseDialog() = default;

void PersonaliseDialog::setEnrollment(const QString& dir) { enrollment_->setText(dir); }
void PersonaliseDialog::setMix(const QString& dir) { mix_->setText(dir); }
void PersonaliseDialog::setOutput(const QString& path) { output_->setText(path); }
void PersonaliseDialog::setEpochs(int epochs) { epochs_->setValue(epochs); }
QString PersonaliseDialog::output() const { return output_->text(); }

void PersonaliseDialog::showMessage(const QString& text, bool error)
{
    status_->setStyleSheet(error ? QStringLiteral("color:#b00020") : QString());
    status_->setText(text);
}

void PersonaliseDialog::setRunning(bool running)
{
    start_->setEnabled(!running && PersonaliseRunner::available());
    enrollment_->setEnabled(!running);
    mix_->setEnabled(!running);
    output_->setEnabled(!running);
    epochs_->setEnabled(!running);
    close_->setText(running ? tr("Cancel") : tr("Close"));
}

bool PersonaliseDialog::startTraining()
{
    error_.clear();
    PersonaliseRequest r;
    r.base_model = base_;
    r.enrollment = enrollment_->text().trimmed();
    r.mix = mix_->text().trimmed();
    r.output = output_->text().trimmed();
    r.epochs = epochs_->value();
    if (!runner_->start(r)) {
        error_ = runner_->lastError();
        showMessage(error_, true);
        return false;
    }
    QSettings s;
    s.setValue(kMixKey, r.mix);
    s.setValue(kOutputDirKey, QFileInfo(r.output).absolutePath());
    for (int row = 0; row < table_->rowCount(); ++row)
        for (int c = 0; c < table_->columnCount(); ++c)
            table_->setItem(row, c, nullptr);
    progress_->setValue(0);
    progress_->setFormat(tr("loading the takes…"));
    showMessage(tr("Fine-tuning %1 on %2…").arg(QFileInfo(base_).fileName(), r.enrollment), false);
    setRunning(true);
    return true;
}

void PersonaliseDialog::onProgress(const QString& stage, int epoch, int epochs, double fraction, double elapsed)
{
    if (stage == QLatin1String("train") || stage == QLatin1String("validate") || stage == QLatin1String("epoch")) {
        progress_->setValue(int(1000 * (stage == QLatin1String("train") ? fraction : double(epoch) / std::max(1, epochs))));
        progress_->setFormat(tr("epoch %1 of %2").arg(epoch).arg(epochs));
    } else {
        progress_->setFormat(stage == QLatin1String("verify") || stage == QLatin1String("test") ? tr("scoring before / after…")
                                                                                                : tr("%1…").arg(stage));
    }
    status_->setText(tr("%1 s").arg(elapsed, 0, 'f', 0));
}

void PersonaliseDialog::onFinished(bool ok)
{
    setRunning(false);
    if (!ok) {
        error_ = runner_->lastError();
        progress_->setFormat(tr("stopped"));
        showMessage(error_, true);
        return;
    }
    progress_->setValue(1000);
    progress_->setFormat(tr("done"));
    QString engine;
    const auto rows = parseBeforeAfter(runner_->beforeAfter(), &engine);
    for (int row = 0; row < table_->rowCount(); ++row) // sets the trainer did not score
        for (int c = 0; c < table_->columnCount(); ++c)
            table_->setItem(row, c, new QTableWidgetItem(c == 0 ? (row < 2 ? tr("no takes") : tr("no corpus")) : QString()));
    for (const BeforeAfterRow& r : rows) {
        const int at = r.set == tr("held-back takes") ? 0 : 2;
        const double values[2][2] = {{r.base_recall, r.personal_recall}, {r.base_false, r.personal_false}};
        for (int m = 0; m < 2; ++m) {
            table_->setItem(at + m, 0, new QTableWidgetItem(percent(values[m][0])));
            table_->setItem(at + m, 1, new QTableWidgetItem(percent(values[m][1])));
            table_->setItem(at + m, 2, new QTableWidgetItem(points(values[m][1] - values[m][0])));
        }
    }
    showMessage(tr("Wrote %1 (before / after scored by the %2 engine). The Live tab's Model box switches between it and the base model.")
                    .arg(QFileInfo(runner_->output()).fileName(), engine),
                false);
    emit personalised(runner_->output());
}

void PersonaliseDialog::reject()
{
    if (runner_->isRunning()) {
        runner_->cancel(); // finished() follows at the next batch; the dialog stays until then
        showMessage(tr("Cancelling at the next batch…"), false);
        return;
    }
    QDialog::reject();
}

} // namespace gui
