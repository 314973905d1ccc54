#include "enroll.h"

#include "audio/wav.h"
#include "gsc.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace ss {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double dbfs(double rms) { return rms > 1e-6 ? 20.0 * std::log10(rms) : -120.0; }

std::string fmt1(double v)
{
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(1);
    s << v;
    return s.str();
}

bool safeWord(const std::string& s)
{
    if (s.empty() || s.size() > 64 || s.front() == '.' || s.front() == '_')
        return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

} // namespace

VoicedSpan findVoicedSpan(const std::vector<float>& take, int rate, const VadOptions& o)
{
    VoicedSpan span;
    const size_t frame = size_t(std::max(1.0, o.frame_seconds * rate));
    const size_t n = take.size() / frame;
    if (n == 0) {
        span.why = "The take is shorter than one analysis frame.";
        return span;
    }
    std::vector<double> db(n);
    for (size_t k = 0; k < n; ++k) {
        double s = 0;
        for (size_t i = 0; i < frame; ++i) {
            const double v = take[k * frame + i];
            s += v * v;
        }
        db[k] = dbfs(std::sqrt(s / double(frame)));
    }
    std::vector<double> sorted = db;
    std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(n / 5), sorted.end());
    span.noise_dbfs = sorted[n / 5];
    span.peak_dbfs = *std::max_element(db.begin(), db.end());
    if (span.peak_dbfs < o.min_level_dbfs) {
        span.why = "Too quiet: the loudest moment is " + fmt1(span.peak_dbfs) + " dBFS (speak closer or raise the input level).";
        return span;
    }
    const double threshold = std::max(span.noise_dbfs + o.rise_db, span.peak_dbfs - o.below_peak_db);
    // Runs of voiced frames, joined across short gaps; the run with the most energy is the word.
    const size_t max_gap = size_t(std::lround(o.max_gap_seconds / o.frame_seconds));
    size_t best_a = 0, best_b = 0;
    double best_energy = -1;
    for (size_t k = 0; k < n;) {
        if (db[k] <= threshold) {
            ++k;
            continue;
        }
        size_t a = k, last = k, quiet = 0;
        double energy = 0;
        for (; k < n && quiet <= max_gap; ++k) {
            if (db[k] > threshold) {
                last = k;
                quiet = 0;
                energy += std::pow(10.0, db[k] / 10.0);
            } else {
                ++quiet;
            }
        }
        k = last + 1;
        if (energy > best_energy) {
            best_energy = energy;
            best_a = a;
            best_b = last + 1;
        }
    }
    if (best_energy < 0 || double(best_b - best_a) * o.frame_seconds < o.min_voiced_seconds) {
        span.why = "No word was heard: nothing stands out of the background for " + fmt1(o.min_voiced_seconds * 1000) +
                   " ms or more (noise floor " + fmt1(span.noise_dbfs) + " dBFS, loudest " + fmt1(span.peak_dbfs) + " dBFS).";
        return span;
    }
    size_t clipped = 0;
    for (size_t i = best_a * frame; i < best_b * frame; ++i)
        clipped += std::abs(take[i]) >= 0.999f;
    if (double(clipped) > o.max_clipped_share * double((best_b - best_a) * frame)) {
        span.clipped = true;
        span.why = "Clipped: " + std::to_string(clipped) + " samples of the word hit full scale (lower the input level or speak further away).";
        return span;
    }
    const size_t margin = size_t(o.margin_seconds * rate);
    span.begin = best_a * frame > margin ? best_a * frame - margin : 0;
    span.end = std::min(take.size(), best_b * frame + margin);
    span.found = true;
    return span;
}

std::vector<float> clipAroundSpan(const std::vector<float>& take, const VoicedSpan& span, size_t clip_samples)
{
    std::vector<float> clip(clip_samples, 0.0f);
    const size_t len = span.end > span.begin ? span.end - span.begin : 0;
    // Start of the clip in take coordinates (may be negative: zeros before the take).
    const double centre = double(span.begin) + double(len) / 2.0;
    const int64_t start = int64_t(std::llround(centre - double(clip_samples) / 2.0));
    for (size_t i = 0; i < clip_samples; ++i) {
        const int64_t j = start + int64_t(i);
        if (j >= 0 && j < int64_t(take.size()))
            clip[i] = take[size_t(j)];
    }
    return clip;
}

Status checkEnrollment(const Enrollment& e)
{
    if (!safeWord(e.speaker))
        return badInput("The speaker name '" + e.speaker + "' must be 1 to 64 letters, digits, '-' or '_' (it becomes part of file names).");
    if (e.sample_rate < 8000 || e.sample_rate > 48000)
        return badInput("The enrollment's sample rate " + std::to_string(e.sample_rate) + " Hz is outside 8000..48000 Hz.");
    if (e.train_takes < 1 || e.train_takes > 100 || e.other_train_takes < 0 || e.other_train_takes > 1000)
        return badInput("Takes per keyword for training must be from 1 to 100 (non-keyword takes 0 to 1000).");
    if (e.keywords.empty())
        return badInput("The model has no keywords to enroll.");
    std::vector<std::string> short_words;
    for (const auto& w : e.keywords) {
        auto it = e.takes.find(w);
        const size_t have = it == e.takes.end() ? 0 : it->second.size();
        if (have < size_t(e.train_takes) + 1)
            short_words.push_back(w + " (" + std::to_string(have) + ")");
    }
    if (!short_words.empty()) {
        std::string list;
        for (const auto& s : short_words)
            list += (list.empty() ? "" : ", ") + s;
        return badInput("Every keyword needs " + std::to_string(e.train_takes + 1) + " takes or more (" + std::to_string(e.train_takes) +
                        " to train, at least one held back); too few for: " + list + ".");
    }
    for (const auto& [w, takes] : e.takes)
        if (!safeWord(w))
            return badInput("The word folder '" + w + "' must be letters, digits, '-' or '_'.");
    if (e.background.size() < size_t(e.sample_rate))
        return badInput("The room's background must be at least 1 s long (it has " + fmt1(double(e.background.size()) / e.sample_rate) +
                        " s).");
    return Status::ok();
}

Status writeEnrollment(const std::string& dir, const Enrollment& e, std::string* summary)
{
    if (auto s = checkEnrollment(e); !s)
        return s;
    const fs::path root(dir);
    std::error_code ec;
    if (fs::exists(root, ec) && !(fs::is_directory(root, ec) && fs::is_empty(root, ec)))
        return badInput("The enrollment folder " + dir + " already exists and is not empty; choose a new one.", dir);
    const fs::path parent = root.has_parent_path() ? root.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
        return badInput("The folder " + parent.string() + " for the enrollment does not exist.", parent.string());
    const fs::path tmp = parent / ("." + root.filename().string() + ".part-" + std::to_string(::getpid()));
    fs::remove_all(tmp, ec);
    struct Cleanup {
        fs::path p;
        bool keep = false;
        ~Cleanup()
        {
            std::error_code ec2;
            if (!keep)
                fs::remove_all(p, ec2);
        }
    } cleanup{tmp};
    if (!fs::create_directories(tmp, ec))
        return runtimeError("Cannot create " + tmp.string() + ": " + ec.message() + ".", tmp.string());

    std::string validation, testing;
    int n_train = 0, n_val = 0, n_test = 0, n_words = 0;
    json takes_json = json::array();
    for (const auto& [word, takes] : e.takes) {
        if (takes.empty())
            continue;
        ++n_words;
        fs::create_directories(tmp / word, ec);
        if (ec)
            return runtimeError("Cannot create " + (tmp / word).string() + ": " + ec.message() + ".", (tmp / word).string());
        const bool keyword = std::find(e.keywords.begin(), e.keywords.end(), word) != e.keywords.end();
        const size_t train = std::min(takes.size(), size_t(keyword ? e.train_takes : e.other_train_takes));
        const size_t held = takes.size() - train;
        for (size_t i = 0; i < takes.size(); ++i) {
            const std::string rel = word + "/" + e.speaker + "_nohash_" + std::to_string(i) + ".wav";
            if (auto s = writeWav((tmp / rel).string(), takes[i].clip, e.sample_rate); !s)
                return s;
            std::string role = "train";
            if (i >= train) {
                // Held back: with two or more, the first stops training early and the rest are scored.
                if (held >= 2 && i == train) {
                    validation += rel + "\n";
                    role = "validation";
                    ++n_val;
                } else {
                    testing += rel + "\n";
                    role = "test";
                    ++n_test;
                }
            } else {
                ++n_train;
            }
            const auto& sp = takes[i].span;
            takes_json.push_back({{"file", rel},
                                  {"split", role},
                                  {"source", takes[i].source},
                                  {"take_seconds", takes[i].take_seconds},
                                  {"word_start_s", double(sp.begin) / e.sample_rate},
                                  {"word_end_s", double(sp.end) / e.sample_rate},
                                  {"peak_dbfs", sp.peak_dbfs},
                                  {"noise_dbfs", sp.noise_dbfs},
                                  {"cut_to_clip", sp.cut}});
        }
    }
    fs::create_directories(tmp / kBackgroundNoiseFolder, ec);
    if (auto s = writeWav((tmp / kBackgroundNoiseFolder / "room.wav").string(), e.background, e.sample_rate); !s)
        return s;
    auto writeText = [&](const fs::path& p, const std::string& text) -> Status {
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f << text;
        if (!f.flush())
            return runtimeError("Cannot write " + p.string() + ".", p.string());
        return Status::ok();
    };
    const json manifest = {{"format", "sparsescope-enrollment"},
                           {"version", 1},
                           {"speaker", e.speaker},
                           {"sample_rate", e.sample_rate},
                           {"train_takes", e.train_takes},
                           {"other_train_takes", e.other_train_takes},
                           {"keywords", e.keywords},
                           {"background_seconds", double(e.background.size()) / e.sample_rate},
                           {"note", e.note},
                           {"takes", takes_json}};
    if (auto s = writeText(tmp / "validation_list.txt", validation); !s)
        return s;
    if (auto s = writeText(tmp / "testing_list.txt", testing); !s)
        return s;
    if (auto s = writeText(tmp / "enrollment.json", manifest.dump(2) + "\n"); !s)
        return s;
    if (fs::exists(root, ec))
        fs::remove(root, ec); // the empty folder the user named
    fs::rename(tmp, root, ec);
    if (ec)
        return runtimeError("Cannot move the enrollment into " + dir + ": " + ec.message() + ".", dir);
    cleanup.keep = true;
    if (summary)
        *summary = std::to_string(n_train + n_val + n_test) + " takes of " + std::to_string(n_words) + " words (" + std::to_string(n_train) +
                   " train, " + std::to_string(n_val) + " validation, " + std::to_string(n_test) + " test) and " +
                   fmt1(double(e.background.size()) / e.sample_rate) + " s of background in " + dir;
    return Status::ok();
}

Result<Enrollment> readTakesFolder(const std::string& dir, const std::vector<std::string>& keywords, int rate, int clip_samples,
                                   std::vector<std::string>* skipped, const VadOptions& vad)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return badInput("The folder of takes " + dir + " does not exist or is not a folder.", dir);
    Enrollment e;
    e.sample_rate = rate;
    e.keywords = keywords;
    e.note = "takes from " + dir;
    std::vector<fs::path> words;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_directory(ec))
            words.push_back(entry.path());
    std::sort(words.begin(), words.end());
    auto wavsIn = [&](const fs::path& folder) {
        std::vector<fs::path> files;
        std::error_code ec2;
        for (const auto& f : fs::directory_iterator(folder, ec2))
            if (f.is_regular_file(ec2) && f.path().extension() == ".wav")
                files.push_back(f.path());
        std::sort(files.begin(), files.end());
        return files;
    };
    auto load = [&](const fs::path& p) -> Result<std::vector<float>> {
        auto clip = readWav(p.string());
        if (!clip)
            return clip.error();
        if (clip->samples.empty())
            return badInput("The take " + p.string() + " holds no samples.", p.string());
        return resample(clip->samples, clip->sample_rate, rate);
    };
    for (const auto& folder : words) {
        const std::string word = folder.filename().string();
        if (word == kBackgroundNoiseFolder) {
            for (const auto& f : wavsIn(folder)) {
                auto x = load(f);
                if (!x)
                    return x.error();
                e.background.insert(e.background.end(), x->begin(), x->end());
            }
            continue;
        }
        if (word.starts_with('.') || word.starts_with('_'))
            continue;
        for (const auto& f : wavsIn(folder)) {
            auto x = load(f);
            if (!x)
                return x.error();
            EnrollmentTake t;
            t.span = findVoicedSpan(*x, rate, vad);
            t.source = f.string();
            t.take_seconds = double(x->size()) / rate;
            if (!t.span.found) {
                if (skipped)
                    skipped->push_back(f.string() + ": " + t.span.why);
                continue;
            }
            t.span.cut = t.span.end - t.span.begin > size_t(clip_samples);
            t.clip = clipAroundSpan(*x, t.span, size_t(clip_samples));
            e.takes[word].push_back(std::move(t));
        }
    }
    if (e.takes.empty())
        return badInput("The folder " + dir + " holds no takes: expected one folder of WAV files per word (e.g. " + dir + "/yes/1.wav).", dir);
    return e;
}

} // namespace ss
