// The Live tab's enrollment session (issue 15), Qt Core only: a guided recording of the room's
// background, N takes of every keyword (plus held-back ones) and some non-keyword speech from a
// capture device, each take trimmed to the spoken word by core's voice activity detector
// (datasets/enroll.h, the same calls as `sparsescope-cli enroll --device`). It is a state machine
// driven by AudioCapture's signals and timers: nothing blocks the event loop. Nothing is written
// until save(); cancel() or a lost device leaves no trace. The widgets (EnrollDialog) only show it.
#pragma once

#include "datasets/enroll.h"
#include "util/status.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

class AudioCapture;
class QTimer;

namespace gui {

// What to record; the defaults are `sparsescope-cli enroll`'s.
struct EnrollmentPlan {
    QStringList keywords;          // in the model's class order
    int takes = 5;                 // per keyword, train
    int held_back = 2;             // per keyword, held back (early stopping, before/after)
    int others = 10;               // non-keyword takes that train
    int others_held_back = 4;      // non-keyword takes held back (false accepts)
    double take_seconds = 2.0;
    double background_seconds = 10.0;
    double countdown_seconds = 1.0;
    // After a take with a word: shown this long (Redo possible) before the next prompt; < 0 waits
    // for keep() (the user presses Next).
    double review_seconds = 1.5;
};

// One step of the session: the room, or one take of a word.
struct EnrollmentStep {
    enum class Kind { Background, Keyword, Other } kind = Kind::Keyword;
    QString word;   // the keyword, or "other" (kEnrollOtherFolder); empty for the background
    int index = 0;  // 1-based take number of this word
    int count = 0;  // takes of this word
    QString prompt() const; // "Say 'left'", "Say any other word (not a keyword)", "Stay quiet: recording the room"
};

// A finished take as the dialog shows it: the whole recording and where the word was found.
struct EnrollmentTakeView {
    std::vector<float> recording; // the take as recorded (take_seconds)
    ss::VoicedSpan span;          // found = false: `why` says what was wrong (it is asked again)
    size_t clip_samples = 0;      // what is kept: this many samples centred on the span
};

class EnrollmentSession : public QObject {
    Q_OBJECT
public:
    enum class State {
        Idle,       // not started
        Background, // recording the room
        Countdown,  // a prompt is shown; recording starts when it ends
        Recording,  // a take
        Review,     // a take with a word is shown; Redo or (after review_seconds / keep()) the next
        Finished,   // every step has a take: save() or cancel()
        Failed,     // the device failed or could not start: cancel()
        Cancelled,
        Saved,
    };
    Q_ENUM(State)

    explicit EnrollmentSession(QObject* parent = nullptr);
    ~EnrollmentSession() override;

    // Steps from the plan: background, then keyword takes word by word, then other speech.
    static std::vector<EnrollmentStep> stepsFor(const EnrollmentPlan& plan);

    // Opens the device (a description, "default" or part of one: AudioCapture::findInput) and starts
    // with the background. rate and clip_samples are the model's. False with lastError() (the
    // session is then Failed).
    bool start(const QString& device, const EnrollmentPlan& plan, int rate, size_t clip_samples);
    void keep();   // Review: go on now
    void redo();   // Review: record this take again; Countdown: record the previous take again
    void cancel(); // at any time: stops, forgets everything, writes nothing

    // Finished: writes the folder with writeEnrollment (atomic; refuses an existing non-empty one).
    // *summary receives writeEnrollment's. Saved on success; the session stays Finished otherwise.
    ss::Status save(const QString& dir, const QString& speaker, const QString& note, QString* summary = nullptr);
    // The enrollment as it would be written (the kept takes so far).
    ss::Enrollment enrollment(const QString& speaker = QStringLiteral("me"), const QString& note = {}) const;

    State state() const { return state_; }
    bool canRedo() const;
    const QString& lastError() const { return error_; }
    const QString& deviceName() const { return device_name_; }
    const std::vector<EnrollmentStep>& steps() const { return steps_; }
    int currentStep() const { return current_; }     // index into steps()
    int takesKept() const;                            // keyword and other takes kept so far
    double secondsLeft() const;                       // of the countdown or the recording
    double recordedSeconds() const;                   // of the take (or background) being recorded
    const std::optional<EnrollmentTakeView>& lastTake() const { return last_take_; }
    const EnrollmentPlan& plan() const { return plan_; }

signals:
    void stateChanged(gui::EnrollmentSession::State state);
    void stepChanged(int step); // a new prompt (and its countdown) begins
    void tick();                // ~10 times a second while counting down or recording
    void level(float peak_dbfs);
    void takeRecorded(int step, bool kept); // kept = false: no word (lastTake()->span.why), asked again
    void failed(const QString& sentence);
    void finished(); // every step has a take

private:
    void setState(State s);
    void beginStep(int step);
    void startRecording();
    void onSamples(const QList<float>& mono);
    void onTick();
    void finishRecording();
    void fail(const QString& sentence);
    void stopCapture();

    EnrollmentPlan plan_;
    int rate_ = 16000;
    size_t clip_samples_ = 16000;
    std::vector<EnrollmentStep> steps_;
    std::vector<std::optional<ss::EnrollmentTake>> kept_; // per step (keyword and other steps)
    std::vector<float> background_;
    std::vector<float> buffer_;
    size_t want_ = 0;
    int current_ = -1;
    State state_ = State::Idle;
    AudioCapture* capture_ = nullptr;
    QTimer* ticker_;
    QElapsedTimer phase_clock_; // since the countdown or review began
    double phase_seconds_ = 0;  // length of the countdown or review
    std::optional<EnrollmentTakeView> last_take_;
    QString error_, device_name_;
};

} // namespace gui
