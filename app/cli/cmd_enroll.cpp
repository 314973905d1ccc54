// enroll: a user's takes of every keyword as a Speech-Commands-layout folder (datasets/enroll.h),
// recorded from a capture device with prompts on the terminal, or read from a folder of takes made
// elsewhere. `train --init MODEL --data FOLDER` then personalises the model.
#include "cli.h"

#include "audio/wav.h"
#include "audiocapture.h"
#include "datasets/enroll.h"
#include "datasets/gsc.h"
#include "model/model_io.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace cli {

namespace {

std::string fixed1(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v);
    return b;
}

std::string describeSpan(const ss::VoicedSpan& s, int rate)
{
    return "word " + fixed1(double(s.begin) / rate) + "-" + fixed1(double(s.end) / rate) + " s, peak " + fixed1(s.peak_dbfs) +
           " dBFS, background " + fixed1(s.noise_dbfs) + " dBFS" + (s.cut ? ", longer than the clip: cut" : "");
}

// The capture device as a recorder: record(seconds) returns that much audio (or less on Ctrl-C or
// when the device fails; *error then says why).
class Recorder {
public:
    explicit Recorder(int rate) : capture_(rate), rate_(rate)
    {
        QObject::connect(&capture_, &AudioCapture::samples, [this](const QList<float>& mono) {
            if (!recording_)
                return;
            const size_t room = want_ > buffer_.size() ? want_ - buffer_.size() : 0;
            buffer_.insert(buffer_.end(), mono.constData(), mono.constData() + std::min(room, size_t(mono.size())));
            for (float v : mono)
                peak_ = std::max(peak_, std::abs(v));
            if (buffer_.size() >= want_)
                loop_.quit();
        });
        QObject::connect(&capture_, &AudioCapture::failed, [this](const QString& sentence) {
            error_ = sentence.toStdString();
            loop_.quit();
        });
        QObject::connect(&poll_, &QTimer::timeout, [this] {
            if (g_cancel)
                loop_.quit();
            if (recording_ && stderrIsTty()) {
                const double db = peak_ > 1e-6f ? 20.0 * std::log10(double(peak_)) : -120.0;
                const int bars = std::clamp(int((db + 60.0) / 2.0), 0, 30);
                progressLine("  recording " + fixed1(double(buffer_.size()) / rate_) + " s  level " + std::string(size_t(bars), '#') +
                             std::string(size_t(30 - bars), '.') + " " + fixed1(db) + " dBFS");
                peak_ = 0;
            }
        });
        poll_.start(50);
    }
    ss::Status start(const QAudioDevice& device) { return capture_.start(device); }
    QString formatNote() const { return capture_.formatNote(); }
    const std::string& error() const { return error_; }

    // Waits (audio is discarded) for `seconds`; false on Ctrl-C or a device failure.
    bool wait(double seconds)
    {
        QTimer::singleShot(int(seconds * 1000), &loop_, &QEventLoop::quit);
        loop_.exec();
        return !g_cancel && error_.empty();
    }
    std::vector<float> record(double seconds)
    {
        buffer_.clear();
        want_ = size_t(seconds * rate_);
        peak_ = 0;
        recording_ = true;
        while (buffer_.size() < want_ && !g_cancel && error_.empty())
            loop_.exec();
        recording_ = false;
        progressDone();
        return std::move(buffer_);
    }

private:
    AudioCapture capture_;
    int rate_;
    QEventLoop loop_;
    QTimer poll_;
    std::vector<float> buffer_;
    size_t want_ = 0;
    float peak_ = 0;
    bool recording_ = false;
    std::string error_;
};

struct DevicePlan {
    std::vector<std::string> keywords;
    int takes = 5, held_back = 2, others = 10, others_held_back = 4;
    double take_seconds = 2.0, background_seconds = 10.0, countdown_seconds = 1.0;
    int retries = 2; // a take with no word heard is asked again this many times
};

int recordFromDevice(const QString& name, const DevicePlan& plan, size_t clip_samples, ss::Enrollment* e)
{
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& msg) {
        if (type == QtFatalMsg || qEnvironmentVariableIsSet("SPARSESCOPE_QT_MESSAGES"))
            std::cerr << msg.toStdString() << std::endl;
    });
    auto device = AudioCapture::findInput(name);
    if (!device)
        return fail(device.error());
    Recorder rec(e->sample_rate);
    if (auto s = rec.start(*device); !s)
        return fail(s.error());
    e->note = "device " + device->description().toStdString();
    std::cerr << "Enrolling on '" << device->description().toStdString() << "' (" << rec.formatNote().toStdString()
              << "). Say each word when asked; Ctrl-C stops and writes nothing.\n";
    auto stopped = [&]() -> int {
        if (!rec.error().empty())
            return fail("The capture device stopped: " + rec.error(), RuntimeFailure);
        std::cerr << "Stopped: nothing was written.\n";
        return RuntimeFailure;
    };
    // The room first, while the user is quiet.
    std::cerr << "Stay quiet for " << fixed1(plan.background_seconds) << " s: recording the room.\n";
    e->background = rec.record(plan.background_seconds);
    if (g_cancel || !rec.error().empty())
        return stopped();

    auto takeOne = [&](const std::string& prompt, const std::string& word, int index, int count) -> int {
        for (int attempt = 0; attempt <= plan.retries; ++attempt) {
            std::cerr << prompt << " (take " << index << " of " << count << ")";
            if (plan.countdown_seconds > 0) {
                std::cerr << " in " << fixed1(plan.countdown_seconds) << " s" << std::flush;
                if (!rec.wait(plan.countdown_seconds))
                    return stopped();
            }
            std::cerr << ": now\n";
            std::vector<float> x = rec.record(plan.take_seconds);
            if (g_cancel || !rec.error().empty())
                return stopped();
            ss::EnrollmentTake t;
            t.span = ss::findVoicedSpan(x, e->sample_rate);
            t.take_seconds = double(x.size()) / e->sample_rate;
            t.source = e->note;
            if (!t.span.found) {
                std::cerr << "  " << t.span.why << (attempt < plan.retries ? " Again.\n" : " Skipped.\n");
                continue;
            }
            t.span.cut = t.span.end - t.span.begin > clip_samples;
            std::cerr << "  heard: " << describeSpan(t.span, e->sample_rate) << "\n";
            t.clip = ss::clipAroundSpan(x, t.span, clip_samples);
            e->takes[word].push_back(std::move(t));
            return Ok;
        }
        return Ok;
    };
    const int per_word = plan.takes + plan.held_back;
    for (const auto& w : plan.keywords)
        for (int i = 1; i <= per_word; ++i)
            if (int r = takeOne("Say '" + w + "'", w, i, per_word); r != Ok)
                return r;
    const int other_count = plan.others + plan.others_held_back;
    for (int i = 1; i <= other_count; ++i)
        if (int r = takeOne("Say any other word (not a keyword)", ss::kEnrollOtherFolder, i, other_count); r != Ok)
            return r;
    return Ok;
}

} // namespace

int cmdEnroll(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("MODEL", "The model to personalise (its keywords, sample rate and clip length).");
    p.addOption({{"o", "output"}, "Enrollment folder to write (new or empty).", "DIR"});
    p.addOption({"device", "Record from this capture device ('default', a name or part of one; 'listen --list-devices' lists "
                           "them), prompting on the terminal.", "NAME"});
    p.addOption({"from", "Read takes recorded elsewhere: DIR/<word>/*.wav (any names, in name order) and optionally "
                         "DIR/_background_noise_/*.wav.", "DIR"});
    p.addOption({"speaker", "Speaker name for the file names (default me).", "NAME", "me"});
    p.addOption({"takes", "Takes per keyword that train (default 5); later takes of a word are held back.", "N", "5"});
    p.addOption({"held-back", "--device: extra takes per keyword held back to stop training and to score before/after "
                              "(default 2: one each).", "N", "2"});
    p.addOption({"others", "Takes of other, non-keyword words that train (default 10); with --from, later takes in a "
                           "non-keyword folder are held back.", "N", "10"});
    p.addOption({"others-held-back", "--device: extra non-keyword takes held back to count false accepts (default 4).", "N", "4"});
    p.addOption({"words", "--device: enroll only these keywords (comma-separated; default all of the model's).", "LIST"});
    p.addOption({"take-seconds", "--device: recording time per take (default 2).", "S", "2"});
    p.addOption({"background-seconds", "--device: recording time of the room's background (default 10).", "S", "10"});
    p.addOption({"countdown", "--device: seconds between a prompt and the recording (default 1).", "S", "1"});
    int exit = 0;
    if (!parse(p, args,
               "Record or gather a speaker's takes of every keyword, trim each to the spoken word (energy-based voice activity\n"
               "detection) and write a Speech-Commands-layout folder for 'train --init MODEL --data DIR'. Takes that hold no word\n"
               "are asked again (--device) or left out and named (--from).",
               &exit))
        return exit;
    if (p.positionalArguments().size() != 1)
        return fail("enroll takes exactly one MODEL (see --help).");
    if (!p.isSet("output"))
        return fail("enroll needs -o DIR, the enrollment folder to write.");
    if (p.isSet("from") == p.isSet("device"))
        return fail("enroll needs exactly one of --from DIR or --device NAME.");
    auto model = ss::loadModel(p.positionalArguments()[0].toStdString());
    if (!model)
        return fail(model.error());
    std::vector<std::string> keywords;
    for (const auto& c : model->classes)
        if (c != ss::kSilenceClass && c != ss::kUnknownClass)
            keywords.push_back(c);
    const int rate = model->audio.sample_rate;
    const size_t clip_samples = ss::clipSamples(model->audio);

    auto intOption = [&](const char* name, int lo, int hi, int* out) {
        bool ok = false;
        *out = p.value(name).toInt(&ok);
        if (!ok || *out < lo || *out > hi) {
            exit = fail(std::string("--") + name + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ".");
            return false;
        }
        return true;
    };
    auto secondsOption = [&](const char* name, double lo, double hi, double* out) {
        bool ok = false;
        *out = p.value(name).toDouble(&ok);
        if (!ok || !(*out >= lo && *out <= hi)) {
            exit = fail(std::string("--") + name + " must be a number of seconds from " + fixed1(lo) + " to " + fixed1(hi) + ".");
            return false;
        }
        return true;
    };
    int takes = 0;
    if (!intOption("takes", 1, 100, &takes))
        return exit;

    ss::Enrollment e;
    std::vector<std::string> skipped;
    if (p.isSet("from")) {
        auto read = ss::readTakesFolder(p.value("from").toStdString(), keywords, rate, int(clip_samples), &skipped);
        if (!read)
            return fail(read.error());
        e = std::move(*read);
        for (const auto& s : skipped)
            std::cerr << "Left out (no word): " << s << "\n";
    } else {
        DevicePlan plan;
        plan.keywords = keywords;
        if (p.isSet("words")) {
            plan.keywords.clear();
            for (const QString& w : p.value("words").split(',', Qt::SkipEmptyParts)) {
                const std::string s = w.trimmed().toStdString();
                if (std::find(keywords.begin(), keywords.end(), s) == keywords.end())
                    return fail("'" + s + "' is not one of the model's keywords.");
                plan.keywords.push_back(s);
            }
        }
        plan.takes = takes;
        if (!intOption("held-back", 1, 100, &plan.held_back) || !intOption("others", 0, 1000, &plan.others) ||
            !intOption("others-held-back", 0, 1000, &plan.others_held_back) ||
            !secondsOption("take-seconds", double(clip_samples) / rate, 10.0, &plan.take_seconds) ||
            !secondsOption("background-seconds", 1.0, 600.0, &plan.background_seconds) ||
            !secondsOption("countdown", 0.0, 10.0, &plan.countdown_seconds))
            return exit;
        e.sample_rate = rate;
        e.keywords = plan.keywords;
        if (int r = recordFromDevice(p.value("device"), plan, clip_samples, &e); r != Ok)
            return r;
        e.keywords = plan.keywords;
    }
    e.speaker = p.value("speaker").toStdString();
    e.train_takes = takes;
    if (!intOption("others", 0, 1000, &e.other_train_takes))
        return exit;
    e.note += "; model " + model->name;
    std::string summary;
    if (auto s = ss::writeEnrollment(p.value("output").toStdString(), e, &summary); !s)
        return fail(s.error());
    std::cout << "Enrolled " << summary << ".\n"
              << "Personalise with: sparsescope-cli train --init " << p.positionalArguments()[0].toStdString() << " --data "
              << p.value("output").toStdString() << " [--mix BASE_DATASET] -o MODEL.safetensors\n";
    return Ok;
}

} // namespace cli
