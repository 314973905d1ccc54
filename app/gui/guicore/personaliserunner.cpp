#include "guicore/personaliserunner.h"

#ifdef SPARSESCOPE_HAVE_TRAIN
#include "datasets/train/trainer.h"
#endif

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QPointer>
#include <QThread>

#include <chrono>

namespace gui {

QVector<BeforeAfterRow> parseBeforeAfter(const QString& text, QString* engine)
{
    QVector<BeforeAfterRow> rows;
    const nlohmann::json j = nlohmann::json::parse(text.toStdString(), nullptr, false);
    if (!j.is_object())
        return rows;
    if (engine)
        *engine = QString::fromStdString(j.value("engine", std::string()));
    const std::pair<const char*, QString> sets[] = {{"held_back", PersonaliseRunner::tr("held-back takes")},
                                                    {"base_test_split", PersonaliseRunner::tr("base test split")}};
    for (const auto& [key, label] : sets) {
        if (!j.contains(key) || !j[key].is_object())
            continue;
        const auto& base = j[key].value("base", nlohmann::json::object());
        const auto& personal = j[key].value("personalised", nlohmann::json::object());
        BeforeAfterRow r;
        r.set = label;
        r.clips = base.value("clips", 0);
        r.base_accuracy = base.value("accuracy", 0.0);
        r.personal_accuracy = personal.value("accuracy", 0.0);
        r.base_recall = base.value("keyword_recall", 0.0);
        r.personal_recall = personal.value("keyword_recall", 0.0);
        r.base_false = base.value("non_keyword_false_accept", 0.0);
        r.personal_false = personal.value("non_keyword_false_accept", 0.0);
        rows.push_back(r);
    }
    return rows;
}

PersonaliseRunner::PersonaliseRunner(QObject* parent) : QObject(parent) {}

PersonaliseRunner::~PersonaliseRunner()
{
    if (thread_) {
        cancel_->store(true);
        thread_->wait();
        delete thread_;
    }
}

bool PersonaliseRunner::available(QString* why)
{
#ifdef SPARSESCOPE_HAVE_TRAIN
    Q_UNUSED(why);
    return true;
#else
    if (why)
        *why = tr("This build has no trainer: libtorch was not found when SparseScope was built. A build with libtorch "
                  "(libtorch-dev) fine-tunes here, or run `sparsescope-cli train --init MODEL --data ENROLLMENT` where it is.");
    return false;
#endif
}

void PersonaliseRunner::cancel()
{
    if (cancel_)
        cancel_->store(true);
}

bool PersonaliseRunner::start(const PersonaliseRequest& request)
{
    error_.clear();
    before_after_.clear();
    if (thread_) {
        error_ = tr("A fine-tune is already running.");
        return false;
    }
    if (!available(&error_))
        return false;
    if (!QFileInfo(request.base_model).isFile()) {
        error_ = tr("The base model file '%1' does not exist (open a model file first).").arg(request.base_model);
        return false;
    }
    if (!QFileInfo(request.enrollment).isDir()) {
        error_ = tr("The enrollment folder '%1' does not exist.").arg(request.enrollment);
        return false;
    }
    if (!request.mix.isEmpty() && !QFileInfo(request.mix).isDir()) {
        error_ = tr("The base corpus folder '%1' does not exist.").arg(request.mix);
        return false;
    }
    if (request.output.isEmpty() || QFileInfo(request.output).absoluteFilePath() == QFileInfo(request.base_model).absoluteFilePath()) {
        error_ = tr("Choose a file for the personalised model other than the base model.");
        return false;
    }
    output_ = request.output;
#ifdef SPARSESCOPE_HAVE_TRAIN
    ss::TrainOptions o;
    o.init = request.base_model.toStdString();
    o.data_dir = request.enrollment.toStdString();
    o.mix_dir = request.mix.toStdString();
    o.output = request.output.toStdString();
    o.epochs = request.epochs;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = cancel_;
    QPointer<PersonaliseRunner> self(this);
    thread_ = QThread::create([o, cancel, self] {
        auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
        std::string last_stage;
        auto r = ss::trainModel(
            o,
            [&](const ss::TrainProgress& p) {
                // At most ~10 updates a second reach the GUI, and every change of stage.
                const auto now = std::chrono::steady_clock::now();
                if (p.stage == last_stage && now - last < std::chrono::milliseconds(100))
                    return;
                last = now;
                last_stage = p.stage;
                const QString stage = QString::fromLatin1(p.stage);
                const double fraction = p.total > 0 ? double(p.done) / double(p.total) : 0.0;
                const int epoch = p.epoch, epochs = p.epochs;
                const double elapsed = p.elapsed;
                QMetaObject::invokeMethod(
                    self, [self, stage, epoch, epochs, fraction, elapsed] {
                        if (self)
                            emit self->progress(stage, epoch, epochs, fraction, elapsed);
                    },
                    Qt::QueuedConnection);
            },
            cancel.get());
        const bool ok = r.isOk();
        const QString error = ok ? QString() : QString::fromStdString(r.message());
        const QString before_after = ok ? QString::fromStdString(r->before_after) : QString();
        QMetaObject::invokeMethod(
            self, [self, ok, error, before_after] {
                if (self)
                    self->onDone(ok, error, before_after);
            },
            Qt::QueuedConnection);
    });
    thread_->start(QThread::LowPriority);
    return true;
#else
    return false;
#endif
}

void PersonaliseRunner::onDone(bool ok, const QString& error, const QString& before_after)
{
    if (thread_) {
        thread_->wait();
        delete thread_;
        thread_ = nullptr;
    }
    error_ = error;
    before_after_ = before_after;
    emit finished(ok);
}

} // namespace gui
