#include "widgets/liveview.h"

#include "widgets/charts.h"
#include "widgets/enginecolors.h"
#include "widgets/enrolldialog.h"
#include "widgets/personalisedialog.h"

#include "guicore/modelloader.h"
#include "guicore/personaliserunner.h"

#include "engines/engine.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gui {

namespace {
constexpr int kSpectrogramColumns = 320; // ~10 s of 32 ms frames
constexpr double kChartSeconds = 20;     // latency chart: the last 20 s
const char* const kInputKey = "live/input";
const char* const kEnrollmentKey = "live/enrollmentFolder"; // EnrollDialog writes it too
const char* const kPersonalBaseKey = "live/personalBase";   // the base model file of...
const char* const kPersonalModelKey = "live/personalModel"; // ...the last personalised model
const std::string kFpgaSim = "fpga-sim:u250/sparse-sparse";

QRgb heat(float v) // v in [0, 1]: dark blue -> purple -> orange -> pale yellow
{
    v = std::clamp(v, 0.0f, 1.0f);
    const float r = std::clamp(1.5f * v, 0.0f, 1.0f);
    const float g = std::clamp(1.6f * v * v, 0.0f, 1.0f);
    const float b = std::clamp(0.35f + 0.9f * v - 1.1f * v * v, 0.0f, 1.0f);
    return qRgb(int(255 * r), int(255 * g), int(255 * b));
}
} // namespace

SpectrogramWidget::SpectrogramWidget(QWidget* parent) : QWidget(parent)
{
    setMinimumHeight(120);
    setToolTip(tr("What the model hears: the log-mel features of each window (dB relative to the window's loudest cell), newest on the right."));
    clear();
}

void SpectrogramWidget::clear()
{
    image_ = QImage(kSpectrogramColumns, 32, QImage::Format_RGB32);
    image_.fill(heat(0));
    filled_ = 0;
    update();
}

void SpectrogramWidget::append(const QVector<float>& features, int bands, int frames, int count)
{
    if (bands <= 0 || frames <= 0 || features.size() < bands * frames)
        return;
    if (image_.height() != bands) {
        image_ = QImage(kSpectrogramColumns, bands, QImage::Format_RGB32);
        image_.fill(heat(0));
        filled_ = 0;
    }
    count = std::clamp(count, 1, std::min(frames, image_.width()));
    // Scroll left by count columns, then paint the new ones on the right (low bands at the bottom).
    const QImage old = image_.copy(count, 0, image_.width() - count, bands);
    QPainter p(&image_);
    p.drawImage(0, 0, old);
    p.end();
    for (int c = 0; c < count; ++c) {
        const int t = frames - count + c;
        const int x = image_.width() - count + c;
        for (int b = 0; b < bands; ++b)
            image_.setPixel(x, bands - 1 - b, heat(1.0f + features[b * frames + t] / 80.0f)); // 0 dB .. -80 dB
    }
    filled_ = std::min(image_.width(), filled_ + count);
    update();
}

void SpectrogramWidget::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.drawImage(rect(), image_);
    // The caption on a dark plate: the image under it may be bright.
    const QString caption = tr("What the model hears: log-mel dB re each window's loudest cell (quiet stretches look bright), newest on the right");
    const QRect text = p.fontMetrics().boundingRect(caption).adjusted(-4, -2, 4, 2).translated(8 - p.fontMetrics().boundingRect(caption).left(),
                                                                                             6 + p.fontMetrics().ascent());
    p.fillRect(text, QColor(0, 0, 0, 170));
    p.setPen(Qt::white);
    p.drawText(text, Qt::AlignCenter, caption);
}

LiveView::LiveView(QWidget* parent)
    : QWidget(parent)
    , controller_(new LiveController(this))
    , input_(new QComboBox(this))
    , start_(new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("Start"), this))
    , stop_(new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-stop")), tr("Stop"), this))
    , level_(new QProgressBar(this))
    , status_(new QLabel(this))
    , agreement_(new QLabel(this))
    , spectrogram_(new SpectrogramWidget(this))
    , log_(new QTableWidget(0, 3, this))
    , chart_view_(new QChartView(this))
    , model_choice_(new QComboBox(this))
    , enroll_(new QPushButton(tr("Enroll my voice…"), this))
    , personalise_(new QPushButton(tr("Personalise…"), this))
{
    input_->setToolTip(tr("Where the audio comes from: a capture device (remembered), a WAV file played as the microphone "
                          "at real time, or the bundled spoken words."));
    input_->setMinimumContentsLength(32);
    level_->setRange(-60, 0);
    level_->setValue(-60);
    level_->setFormat(tr("%v dBFS"));
    level_->setToolTip(tr("Input level: the peak of the last chunk of audio."));
    level_->setMaximumWidth(180);
    status_->setWordWrap(true);
    stop_->setEnabled(false);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Input:"), this));
    top->addWidget(input_, 1);
    top->addWidget(start_);
    top->addWidget(stop_);
    top->addWidget(new QLabel(tr("Level:"), this));
    top->addWidget(level_);

    auto* engine_row = new QHBoxLayout;
    engine_row->addWidget(new QLabel(tr("Engines:"), this));
    std::vector<std::string> offered = ss::engineNames(true);
    offered.push_back(kFpgaSim);
    for (const auto& name : offered) {
        auto* box = new QCheckBox(QString::fromStdString(name), this);
        box->setChecked(name != kFpgaSim);
        box->setToolTip(name == kFpgaSim ? tr("The int8 sparse-sparse kernels C-simulated on this CPU (the FPGA's arithmetic); its "
                                              "time per decision is the simulation's, not the FPGA's.")
                                         : QString::fromStdString(ss::findEngine(name)->summary));
        engine_boxes_ << box;
        engine_row->addWidget(box);
        connect(box, &QCheckBox::toggled, this, [this, box](bool on) {
            QStringList chosen;
            for (QCheckBox* b : engine_boxes_)
                if (b->isChecked())
                    chosen << b->text();
            if (chosen.isEmpty() && !on) { // keep one
                box->setChecked(true);
                return;
            }
            controller_->setEngines(chosen);
            rebuildSeries();
        });
    }
    engine_row->addStretch();
    model_choice_->setToolTip(tr("The model the Live tab runs: the loaded (base) model, or the one personalised on your voice."));
    model_choice_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    model_choice_->setMaximumWidth(240); // long file names must not push the row past 1024 px
    enroll_->setToolTip(tr("Record your takes of each keyword, the room and other words from the chosen microphone, "
                           "trimmed to the spoken word, as a folder Personalise… trains on."));
    // Issue 15 shares the status line's row (the engine row is full at 1024 px; no extra height).
    auto* status_row = new QHBoxLayout;
    status_row->addWidget(status_, 1);
    status_row->addWidget(new QLabel(tr("Model:"), this));
    status_row->addWidget(model_choice_);
    status_row->addWidget(enroll_);
    status_row->addWidget(personalise_);
    QString why;
    if (!PersonaliseRunner::available(&why))
        personalise_->setToolTip(why);
    else
        personalise_->setToolTip(tr("Fine-tune the loaded model on an enrollment folder (masks, routes, P and k stay fixed) and compare before/after."));
    connect(enroll_, &QPushButton::clicked, this, &LiveView::openEnrollDialog);
    connect(personalise_, &QPushButton::clicked, this, &LiveView::openPersonaliseDialog);
    connect(model_choice_, &QComboBox::activated, this, &LiveView::applyModelChoice);

    auto* classes = new QGridLayout;
    for (int i = 0; i < 3; ++i) {
        top_label_[i] = new QLabel(QStringLiteral("–"), this);
        top_label_[i]->setMinimumWidth(90);
        top_bar_[i] = new QProgressBar(this);
        top_bar_[i]->setRange(0, 100);
        top_bar_[i]->setValue(0);
        top_bar_[i]->setFormat(QStringLiteral("%p%"));
        classes->addWidget(top_label_[i], i, 0);
        classes->addWidget(top_bar_[i], i, 1);
    }
    auto* class_box = new QWidget(this);
    auto* class_layout = new QVBoxLayout(class_box);
    auto* class_title = new QLabel(tr("<b>Top 3 classes</b> (last window, first engine)"), this);
    class_layout->addWidget(class_title);
    class_layout->addLayout(classes);
    class_layout->addStretch();

    log_->setHorizontalHeaderLabels({tr("Time"), tr("Word"), tr("Engines")});
    log_->horizontalHeader()->setStretchLastSection(true);
    log_->verticalHeader()->setVisible(false);
    log_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    log_->setToolTip(tr("Detections after smoothing (0.5 s average, threshold 0.4, 0.5 s suppression), with the stream time "
                        "of the window that fired and the engines that fired it."));

    auto* chart = new QChart;
    chart->setTitle(tr("Time per decision"));
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    axis_x_ = new QValueAxis(chart);
    axis_x_->setTitleText(tr("stream time (s)"));
    axis_y_ = new QValueAxis(chart);
    axis_y_->setTitleText(tr("ms (wall)"));
    axis_y_->setLabelFormat(QStringLiteral("%.2g"));
    chart->addAxis(axis_x_, Qt::AlignBottom);
    chart->addAxis(axis_y_, Qt::AlignLeft);
    chart_view_->setChart(chart);
    applyPalette(chart, palette()); // light and dark themes alike (charts.h)
    chart->setBackgroundRoundness(0);
    chart_view_->setRenderHint(QPainter::Antialiasing);
    chart_view_->setMinimumHeight(220);

    auto* middle = new QSplitter(Qt::Horizontal, this);
    middle->addWidget(class_box);
    middle->addWidget(log_);
    middle->setStretchFactor(0, 1);
    middle->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(engine_row);
    layout->addLayout(status_row);
    layout->addWidget(spectrogram_, 2);
    layout->addWidget(middle, 2);
    layout->addWidget(chart_view_, 3);
    layout->addWidget(agreement_);
    agreement_->setToolTip(tr("How often each engine's top class equals the first engine's on the same window, and the windows "
                              "an engine dropped because it could not start them within a hop of their arrival."));

    connect(start_, &QPushButton::clicked, this, &LiveView::start);
    connect(stop_, &QPushButton::clicked, this, &LiveView::stop);
    connect(controller_, &LiveController::windowDecided, this, &LiveView::onWindow);
    connect(controller_, &LiveController::detected, this, &LiveView::onDetection);
    connect(controller_, &LiveController::runningChanged, this, &LiveView::onRunningChanged);
    connect(controller_, &LiveController::level, this, [this](float db) { level_->setValue(int(std::clamp(db, -60.0f, 0.0f))); });
    connect(controller_, &LiveController::failed, this, &LiveView::showError);
    connect(controller_, &LiveController::finished, this, [this] {
        status_->setText(tr("%1: finished after %2 s.").arg(controller_->sourceDescription()).arg(controller_->streamSeconds(), 0, 'f', 1));
    });
    connect(input_, &QComboBox::currentIndexChanged, this, [this] {
        if (input_->currentData().toString().startsWith(QLatin1String("device:")))
            remembered_input_ = input_->currentData().toString();
    });
    // The sound server's device list arrives after start-up (and changes when devices come and go).
    connect(controller_, &LiveController::inputsChanged, this, [this] {
        if (!controller_->isRunning())
            refreshInputs(0);
    });
    refreshInputs(0);
    status_->setText(tr("Pick an input and press Start. Without a microphone: \"Play a WAV file as the microphone\" or the bundled words."));
}

void LiveView::setModel(std::shared_ptr<const ss::Model> model, const QString& path)
{
    const bool same_base = !path.isEmpty() && path == base_path_;
    base_model_ = std::move(model);
    base_path_ = path;
    if (!same_base) {
        personal_model_.reset();
        personal_path_.clear();
    }
    model_choice_->clear();
    if (base_model_)
        model_choice_->addItem(tr("base: %1").arg(QString::fromStdString(base_model_->name)));
    if (personal_model_)
        model_choice_->addItem(tr("personalised: %1").arg(QFileInfo(personal_path_).fileName()));
    applyModelChoice();
    // A personalised model made from this file earlier (restoreSettings) is offered again, not switched to.
    if (!same_base && !path.isEmpty() && remembered_personal_.first == path && QFileInfo(remembered_personal_.second).isFile()) {
        if (setPersonalModel(remembered_personal_.second))
            usePersonalModel(false);
        else
            error_.clear();
    }
    enroll_->setEnabled(base_model_ != nullptr);
    QString why;
    personalise_->setEnabled(base_model_ != nullptr && !base_path_.isEmpty() && PersonaliseRunner::available(&why));
}

bool LiveView::setPersonalModel(const QString& path)
{
    ModelLoadResult r = ModelLoader::load(path);
    if (!r.ok()) {
        showError(r.error);
        return false;
    }
    personal_model_ = r.loaded->model;
    personal_path_ = r.loaded->path;
    const QString text = tr("personalised: %1").arg(QFileInfo(personal_path_).fileName());
    if (model_choice_->count() < 2)
        model_choice_->addItem(text);
    else
        model_choice_->setItemText(1, text);
    model_choice_->setItemData(1, personal_path_, Qt::ToolTipRole);
    if (!base_path_.isEmpty())
        remembered_personal_ = {base_path_, personal_path_};
    return usePersonalModel(true);
}

bool LiveView::usePersonalModel(bool personal)
{
    if (personal && !personal_model_)
        return false;
    model_choice_->setCurrentIndex(personal ? 1 : 0);
    applyModelChoice();
    return true;
}

bool LiveView::usingPersonalModel() const { return personal_model_ && model_choice_->currentIndex() == 1; }

QStringList LiveView::modelChoices() const
{
    QStringList texts;
    for (int i = 0; i < model_choice_->count(); ++i)
        texts << model_choice_->itemText(i);
    return texts;
}

void LiveView::applyModelChoice()
{
    auto chosen = usingPersonalModel() ? personal_model_ : base_model_;
    if (controller_->model() == chosen.get())
        return;
    const bool was_running = controller_->isRunning();
    if (was_running)
        controller_->stop();
    controller_->setModel(chosen);
    resetDisplays();
    if (chosen && personal_model_) // with only the base model there is nothing to say
        status_->setText(was_running ? tr("Stopped: now running %1; press Start.").arg(model_choice_->currentText())
                                     : tr("Model: %1.").arg(model_choice_->currentText()));
}

QString LiveView::enrollDevice() const
{
    const QString id = currentInput();
    return id.startsWith(QLatin1String("device:")) ? id.mid(int(qstrlen("device:"))) : QString();
}

EnrollDialog* LiveView::openEnrollDialog()
{
    if (controller_->isRunning())
        stop(); // one user of the microphone at a time
    auto* d = new EnrollDialog(base_model_, LiveController::inputDevices(1000), enrollDevice(), this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &EnrollDialog::saved, this, [this](const QString& folder) { last_enrollment_ = folder; });
    d->show();
    return d;
}

PersonaliseDialog* LiveView::openPersonaliseDialog()
{
    auto* d = new PersonaliseDialog(base_path_, last_enrollment_, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &PersonaliseDialog::personalised, this, [this](const QString& path) { setPersonalModel(path); });
    d->show();
    return d;
}

void LiveView::refreshInputs(int wait_ms)
{
    const QString current = input_->currentData().toString();
    input_->blockSignals(true);
    input_->clear();
    input_->addItem(tr("Bundled spoken words (resources/audio), played as the microphone"), QStringLiteral("demo"));
    input_->addItem(tr("Play a WAV file as the microphone…"), QStringLiteral("wav"));
    for (const QString& name : LiveController::inputDevices(wait_ms))
        input_->addItem(tr("Microphone: %1").arg(name), QStringLiteral("device:") + name);
    input_->blockSignals(false);
    if (!selectInput(remembered_input_) && !selectInput(current))
        input_->setCurrentIndex(0);
}

QStringList LiveView::inputIds() const
{
    QStringList ids;
    for (int i = 0; i < input_->count(); ++i)
        ids << input_->itemData(i).toString();
    return ids;
}

bool LiveView::selectInput(const QString& id)
{
    const int i = input_->findData(id);
    if (i < 0)
        return false;
    input_->setCurrentIndex(i);
    return true;
}

void LiveView::setEngines(const QStringList& engines)
{
    for (QCheckBox* b : engine_boxes_) {
        b->blockSignals(true);
        b->setChecked(engines.contains(b->text()));
        b->blockSignals(false);
    }
    QStringList chosen; // in the registry's order, as the boxes are
    for (QCheckBox* b : engine_boxes_)
        if (b->isChecked())
            chosen << b->text();
    controller_->setEngines(chosen);
    rebuildSeries();
}

QString LiveView::currentInput() const { return input_->currentData().toString(); }

bool LiveView::start()
{
    // The device list fills once the event loop has run: look again when starting.
    if (input_->count() <= 2)
        refreshInputs(1000);
    const QString id = currentInput();
    if (id == QLatin1String("demo"))
        return playDemo(true);
    if (id == QLatin1String("wav")) {
        const QString path = QFileDialog::getOpenFileName(this, tr("Play a WAV file as the microphone"), QString(), tr("WAV files (*.wav)"));
        return !path.isEmpty() && playWav(path, true);
    }
    resetDisplays();
    const bool ok = controller_->startDevice(id.mid(int(qstrlen("device:"))));
    if (ok)
        status_->setText(tr("Listening to %1.").arg(controller_->sourceDescription()));
    return ok;
}

bool LiveView::playWav(const QString& path, bool realtime)
{
    resetDisplays();
    if (realtime)
        status_->setText(tr("Playing %1 as the microphone…").arg(path));
    return controller_->startWav(path, realtime);
}

bool LiveView::playDemo(bool realtime)
{
    resetDisplays();
    if (!controller_->hasModel()) {
        showError(tr("Open a model first: live recognition runs the loaded model."));
        return false;
    }
    QString error;
    auto audio = LiveController::bundledDemo(controller_->model()->audio.sample_rate, &error);
    if (!error.isEmpty()) {
        showError(error);
        return false;
    }
    status_->setText(tr("Playing the bundled words as the microphone…"));
    return controller_->startSamples(std::move(audio), tr("the bundled words"), realtime);
}

void LiveView::stop()
{
    controller_->stop();
    status_->setText(tr("Stopped after %1 s of audio.").arg(controller_->streamSeconds(), 0, 'f', 1));
}

void LiveView::showError(const QString& sentence)
{
    error_ = sentence;
    status_->setText(QStringLiteral("<span style='color:#b00020'>%1</span>").arg(sentence.toHtmlEscaped()));
    Q_EMIT errorShown(sentence);
}

void LiveView::onRunningChanged(bool running)
{
    start_->setEnabled(!running);
    stop_->setEnabled(running);
    input_->setEnabled(!running);
    for (QCheckBox* b : engine_boxes_)
        b->setEnabled(!running);
    if (!running)
        level_->setValue(-60);
}

void LiveView::resetDisplays()
{
    error_.clear();
    spectrogram_->clear();
    log_->setRowCount(0);
    for (int i = 0; i < 3; ++i) {
        top_label_[i]->setText(QStringLiteral("–"));
        top_bar_[i]->setValue(0);
    }
    max_latency_ = 0.5;
    agreement_->clear();
    rebuildSeries();
}

void LiveView::rebuildSeries()
{
    QChart* chart = chart_view_->chart();
    for (QLineSeries* s : series_) {
        chart->removeSeries(s);
        delete s;
    }
    series_.clear();
    for (const QString& e : controller_->engines()) {
        auto* s = new QLineSeries(chart);
        s->setName(e);
        QPen pen(engineColor(e));
        pen.setWidthF(1.6);
        s->setPen(pen);
        chart->addSeries(s);
        s->attachAxis(axis_x_);
        s->attachAxis(axis_y_);
        series_.push_back(s);
    }
    axis_x_->setRange(0, kChartSeconds);
    axis_y_->setRange(0, max_latency_);
}

void LiveView::onWindow(const LiveUpdate& u)
{
    spectrogram_->append(u.features, u.bands, u.frames, u.new_frames);
    if (series_.size() != u.engines.size())
        rebuildSeries();
    for (int i = 0; i < u.engines.size() && i < series_.size(); ++i) {
        const auto& e = u.engines[i];
        if (!e.ran)
            continue;
        QLineSeries* s = series_[i];
        s->append(u.end_s, e.wall_ms);
        while (s->count() > 0 && s->at(0).x() < u.end_s - kChartSeconds)
            s->remove(0);
        max_latency_ = std::max(max_latency_, e.wall_ms * 1.1);
    }
    axis_x_->setRange(std::max(0.0, u.end_s - kChartSeconds), std::max(kChartSeconds, u.end_s));
    axis_y_->setRange(0, max_latency_);
    // Top 3 of the first engine that decided this window.
    for (const auto& e : u.engines) {
        if (!e.ran || !controller_->model())
            continue;
        QVector<int> order(e.posteriors.size());
        for (int c = 0; c < order.size(); ++c)
            order[c] = c;
        std::partial_sort(order.begin(), order.begin() + std::min<qsizetype>(3, order.size()), order.end(),
                          [&](int a, int b) { return e.posteriors[a] > e.posteriors[b]; });
        const auto& classes = controller_->model()->classes;
        for (int i = 0; i < 3 && i < order.size(); ++i) {
            top_label_[i]->setText(QString::fromStdString(classes[size_t(order[i])]));
            top_bar_[i]->setValue(int(std::lround(100 * e.posteriors[order[i]])));
        }
        break;
    }
    if (controller_->isRunning() && error_.isEmpty())
        status_->setText(tr("%1 — %2 s").arg(controller_->sourceDescription()).arg(u.end_s, 0, 'f', 1));
    if (u.index % 8 == 0 || !controller_->isRunning())
        agreement_->setText(agreementText());
}

QString LiveView::agreementText() const
{
    const ss::LiveRecognizer* r = controller_->recognizer();
    if (!r || r->stats().empty())
        return {};
    const auto& st = r->stats();
    QStringList parts;
    for (size_t i = 1; i < st.size(); ++i)
        parts << tr("%1 %2%").arg(QString::fromStdString(st[i].name))
                     .arg(st[i].compared ? 100.0 * double(st[i].agreed) / double(st[i].compared) : 0.0, 0, 'f', 1);
    QStringList drops;
    for (const auto& e : st)
        if (e.dropped > 0)
            drops << tr("%1 %2").arg(QString::fromStdString(e.name)).arg(e.dropped);
    QString text = parts.isEmpty() ? QString() : tr("Same top class as %1: %2.").arg(QString::fromStdString(st[0].name), parts.join(QStringLiteral(", ")));
    text += QLatin1Char(' ') + (drops.isEmpty() ? tr("Every engine kept up (no window dropped).")
                                                : tr("Windows dropped (too slow for real time): %1.").arg(drops.join(QStringLiteral(", "))));
    return text.trimmed();
}

void LiveView::onDetection(const LiveDetection& d)
{
    agreement_->setText(agreementText());
    const int row = log_->rowCount();
    log_->insertRow(row);
    log_->setItem(row, 0, new QTableWidgetItem(tr("%1 s").arg(d.time_s, 0, 'f', 2)));
    auto* word = new QTableWidgetItem(d.word);
    QFont f = word->font();
    f.setBold(true);
    word->setFont(f);
    log_->setItem(row, 1, word);
    log_->setItem(row, 2, new QTableWidgetItem(tr("%1 (%2)").arg(d.engines.join(QStringLiteral(", "))).arg(d.score, 0, 'f', 2)));
    log_->scrollToBottom();
}

int LiveView::detectionRows() const { return log_->rowCount(); }

QString LiveView::detectionText(int row) const
{
    if (row < 0 || row >= log_->rowCount())
        return {};
    return log_->item(row, 0)->text() + QStringLiteral("  ") + log_->item(row, 1)->text() + QStringLiteral("  ") + log_->item(row, 2)->text();
}

int LiveView::latencyPoints(const QString& engine) const
{
    for (QLineSeries* s : series_)
        if (s->name() == engine)
            return int(s->count());
    return -1;
}

QString LiveView::topClasses() const
{
    QStringList parts;
    for (int i = 0; i < 3; ++i)
        parts << top_label_[i]->text() + QStringLiteral(" ") + QString::number(top_bar_[i]->value() / 100.0, 'f', 2);
    return parts.join(QStringLiteral(", "));
}

void LiveView::saveSettings(QSettings& s) const
{
    if (!remembered_input_.isEmpty())
        s.setValue(kInputKey, remembered_input_);
    if (!last_enrollment_.isEmpty())
        s.setValue(kEnrollmentKey, last_enrollment_);
    if (!remembered_personal_.first.isEmpty()) {
        s.setValue(kPersonalBaseKey, remembered_personal_.first);
        s.setValue(kPersonalModelKey, remembered_personal_.second);
    }
}

void LiveView::restoreSettings(const QSettings& s)
{
    remembered_input_ = s.value(kInputKey).toString();
    selectInput(remembered_input_);
    if (last_enrollment_.isEmpty())
        last_enrollment_ = s.value(kEnrollmentKey).toString();
    remembered_personal_ = {s.value(kPersonalBaseKey).toString(), s.value(kPersonalModelKey).toString()};
    // The model may be open already: offer its personalised one now.
    if (!base_path_.isEmpty() && !personal_model_ && remembered_personal_.first == base_path_ &&
        QFileInfo(remembered_personal_.second).isFile() && setPersonalModel(remembered_personal_.second))
        usePersonalModel(false);
}

} // namespace gui
