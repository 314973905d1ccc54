// Fine-tuning a model on an enrollment (issue 15) for the Live tab, Qt Core only: ss::trainModel
// with init = the base model (masks, routes, P and k stay; datasets/train/trainer.h) on a worker
// thread, progress as signals, Cancel through the trainer's cancel flag. The trainer exists only
// in builds with libtorch (SPARSESCOPE_HAVE_TRAIN); without it available() says why and start()
// refuses with that sentence.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <memory>

class QThread;

namespace gui {

struct PersonaliseRequest {
    QString base_model;  // the trained model file to start from
    QString enrollment;  // an enrollment folder (writeEnrollment's layout)
    QString mix;         // optional base corpus mixed in (Speech Commands layout); empty = none
    QString output;      // the personalised model file to write
    int epochs = 0;      // 0 = the trainer's default for fine-tuning
};

// One row of the before/after table: a set of clips scored with the base and the personalised model.
struct BeforeAfterRow {
    QString set;          // "held-back takes", "base test split"
    int clips = 0;
    double base_accuracy = 0, personal_accuracy = 0;
    double base_recall = 0, personal_recall = 0;     // mean keyword recall
    double base_false = 0, personal_false = 0;       // non-keyword false accepts (share)
};

// Rows of TrainReport::before_after (JSON: held_back and base_test_split, each {base, personalised});
// *engine (may be null) receives the engine that scored them. Empty when the JSON has neither.
QVector<BeforeAfterRow> parseBeforeAfter(const QString& json, QString* engine = nullptr);

class PersonaliseRunner : public QObject {
    Q_OBJECT
public:
    explicit PersonaliseRunner(QObject* parent = nullptr);
    ~PersonaliseRunner() override; // cancels and waits for the worker

    // Whether this build can fine-tune; *why (may be null) receives the sentence when it cannot.
    static bool available(QString* why = nullptr);

    bool start(const PersonaliseRequest& request); // false with lastError() (nothing started)
    void cancel();                                 // stops at the next batch; finished() follows
    bool isRunning() const { return thread_ != nullptr; }
    const QString& lastError() const { return error_; }
    const QString& beforeAfter() const { return before_after_; }
    const QString& output() const { return output_; }

signals:
    // stage: the trainer's ("load", "train", "validate", "epoch", "test", "verify"); fraction of the stage.
    void progress(const QString& stage, int epoch, int epochs, double fraction, double elapsed_s);
    // ok: the model file was written (output()), before/after in beforeAfter(); else lastError().
    void finished(bool ok);

private:
    void onDone(bool ok, const QString& error, const QString& before_after);

    QThread* thread_ = nullptr;
    std::shared_ptr<std::atomic<bool>> cancel_;
    QString error_, before_after_, output_;
};

} // namespace gui
