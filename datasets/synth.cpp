// Synthetic Speech Commands (see synth.h and datasets/README.md).
#include "datasets/synth.h"

#include "audio/wav.h"
#include "datasets/gsc.h"
#include "util/splitmix.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numbers>
#include <optional>
#include <set>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace ss {

namespace {

namespace fs = std::filesystem;

constexpr int kRate = 16000;
constexpr size_t kClip = 16000; // 1 s

const std::vector<std::string> kUnknownWords = {"bed",   "bird",   "cat",      "dog",     "happy", "house",  "marvin", "sheila",
                                                "tree",  "wow",    "backward", "forward", "follow", "learn", "visual"};

// espeak-ng's English voices that ship with the Debian package (mbrola voices need extra packages).
const std::vector<std::string> kVoices = {"en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
                                          "en-gb-x-gbcwmd", "en-029", "en-us-nyc"};
// Human-sounding variants (espeak-ng --voices=variant; robots, whispers and 'Demonic' left out).
const std::vector<std::string> kVariants = {
    "",        "adam",    "Alex",    "Alicia",  "Andrea",  "Andy",   "Annie",   "antonio", "aunty",   "belinda",
    "benjamin", "boris",  "caleb",   "david",   "Denis",   "Diogo",  "ed",      "edward",  "edward2", "Gene",
    "Gene2",   "gustave", "Henrique", "Hugo",   "iven",    "iven2",  "iven3",   "iven4",   "Jacky",   "john",
    "kaukovalta", "Lee",  "linda",   "marcelo", "Marco",   "Mario",  "max",     "Michael", "michel",  "miguel",
    "Mike",    "Mr",      "Nguyen",  "pablo",   "paul",    "pedro",  "quincy",  "rob",     "robert",  "steph",
    "steph2",  "steph3",  "Storm",   "zac",     "anika",   "f1",     "f2",      "f3",      "f4",      "f5",
    "grandpa", "grandma", "klatt",   "klatt2",  "klatt3",  "klatt4", "klatt5",  "klatt6",  "m1",      "m2",
    "m3",      "m4",      "m5",      "m6",      "m7",      "m8",     "norbert", "sandro",  "shelby",  "travis",
    "victor"};

// Festival's voices (Debian festvox-*): diphone voices of four languages, all reading the English
// words (the non-English ones with their own letter-to-sound rules: other accents and timbres).
const std::vector<std::pair<std::string, std::string>> kFestivalVoices = {
    {"kal_diphone", "en-us"},       {"ked_diphone", "en-us"},   {"lp_diphone", "it"},       {"pc_diphone", "it"},
    {"czech_dita", "cs"},           {"czech_krb", "cs"},        {"suo_fi_lj_diphone", "fi"}};

const std::vector<std::string> kFamilies = {"espeak-ng", "festival"};

// SplitMix64 with the draws the generator needs on top.
struct Rng : SplitMix64 {
    using SplitMix64::SplitMix64;
    int64_t integer(int64_t lo, int64_t hi) { return lo + int64_t(next() % uint64_t(hi - lo + 1)); } // [lo, hi]
    double gauss()
    {
        const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }
};

uint64_t mix(uint64_t a, uint64_t b)
{
    Rng r(a ^ (b * 0xD1B54A32D192ED03ull));
    r.next();
    return r.next();
}

template <class T>
void shuffle(std::vector<T>& v, Rng& rng)
{
    for (size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[size_t(rng.next() % i)]);
}

// ---- espeak-ng as a subprocess ------------------------------------------------------------------

// Runs program with args, stdout captured, stdin/stderr on /dev/null. ok=false when it could not
// start or did not exit with status 0.
bool runCapture(const std::string& program, const std::vector<std::string>& args, std::vector<char>* out, std::string* why)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        *why = std::strerror(errno);
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        *why = std::strerror(rc);
        return false;
    }
    out->clear();
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0)
            out->insert(out->end(), buf, buf + n);
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *why = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                   : "exit status " + std::to_string(WEXITSTATUS(status));
        return false;
    }
    return true;
}

// Decodes espeak-ng's --stdout WAV (16-bit PCM mono; the data size in the header may be a placeholder).
bool decodeWav(const std::vector<char>& b, std::vector<float>* x, int* rate)
{
    auto u32 = [&](size_t i) { uint32_t v; std::memcpy(&v, b.data() + i, 4); return v; };
    auto u16 = [&](size_t i) { uint16_t v; std::memcpy(&v, b.data() + i, 2); return v; };
    if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0)
        return false;
    size_t i = 12;
    int channels = 0, bits = 0;
    *rate = 0;
    while (i + 8 <= b.size()) {
        const uint32_t size = u32(i + 4);
        if (std::memcmp(b.data() + i, "fmt ", 4) == 0 && i + 24 <= b.size()) {
            channels = u16(i + 10);
            *rate = int(u32(i + 12));
            bits = u16(i + 22);
        } else if (std::memcmp(b.data() + i, "data", 4) == 0) {
            if (channels != 1 || bits != 16 || *rate <= 0)
                return false;
            const size_t avail = (b.size() - i - 8) / 2, n = std::min<size_t>(avail, size / 2);
            x->resize(n);
            for (size_t k = 0; k < n; ++k)
                (*x)[k] = float(int16_t(u16(i + 8 + 2 * k))) / 32768.0f;
            return true;
        }
        i += 8 + size + (size & 1);
    }
    return false;
}

Result<std::vector<float>> speakEspeak(const std::string& espeak, const SynthSpeaker& sp, const std::string& text, int* rate,
                                       const std::atomic<bool>* cancel)
{
    std::vector<char> bytes;
    std::string why;
    const std::vector<std::string> args = {"-v", sp.voice, "-p", std::to_string(sp.pitch), "-s", std::to_string(sp.rate),
                                           "-a", std::to_string(sp.amplitude), "-g", std::to_string(sp.word_gap),
                                           "--stdout", text};
    if (!runCapture(espeak, args, &bytes, &why)) {
        if (cancel && *cancel)
            return runtimeError("Cancelled.");
        return runtimeError("espeak-ng failed saying '" + text + "' with voice " + sp.voice + " (" + why + ").");
    }
    std::vector<float> x;
    if (!decodeWav(bytes, &x, rate) || x.empty())
        return runtimeError("espeak-ng gave no usable audio for '" + text + "' with voice " + sp.voice + ".");
    return x;
}

// ---- signal processing --------------------------------------------------------------------------

double rms(const float* x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; ++i)
        s += double(x[i]) * x[i];
    return n ? std::sqrt(s / double(n)) : 0.0;
}

void scaleToRms(std::vector<float>& x, double target)
{
    const double r = rms(x.data(), x.size());
    if (r > 0)
        for (auto& v : x)
            v = float(v * (target / r));
}

// Cuts leading and trailing near-silence (below 1% of the peak), keeping 15 ms either side.
std::vector<float> trim(const std::vector<float>& x, int rate)
{
    float peak = 0;
    for (float v : x)
        peak = std::max(peak, std::abs(v));
    if (peak <= 0)
        return x;
    const float th = 0.01f * peak;
    size_t a = 0, b = x.size();
    while (a < b && std::abs(x[a]) < th)
        ++a;
    while (b > a && std::abs(x[b - 1]) < th)
        --b;
    const size_t margin = size_t(0.015 * rate);
    a = a > margin ? a - margin : 0;
    b = std::min(x.size(), b + margin);
    return std::vector<float>(x.begin() + std::ptrdiff_t(a), x.begin() + std::ptrdiff_t(b));
}

// Schroeder reverb (4 combs + 2 all-passes): a small room, rt60 seconds, mixed in at `wet`.
void reverb(std::vector<float>& x, double rt60, double room, double wet)
{
    static const double kComb[4] = {0.0297, 0.0371, 0.0411, 0.0437};
    std::vector<float> acc(x.size(), 0.0f);
    for (double d : kComb) {
        const size_t D = std::max<size_t>(1, size_t(d * room * kRate));
        const float g = float(std::pow(10.0, -3.0 * (double(D) / kRate) / rt60));
        std::vector<float> buf(D, 0.0f);
        for (size_t i = 0, k = 0; i < x.size(); ++i, k = (k + 1) % D) {
            const float y = buf[k];
            buf[k] = x[i] + g * y;
            acc[i] += y * 0.25f;
        }
    }
    for (double d : {0.005, 0.0017}) {
        const size_t D = std::max<size_t>(1, size_t(d * kRate));
        std::vector<float> buf(D, 0.0f);
        for (size_t i = 0, k = 0; i < acc.size(); ++i, k = (k + 1) % D) {
            const float b = buf[k];
            const float y = -0.7f * acc[i] + b;
            buf[k] = acc[i] + 0.7f * y;
            acc[i] = y;
        }
    }
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = float((1.0 - wet) * x[i] + wet * acc[i]);
}

std::vector<float> whiteNoise(size_t n, Rng& rng)
{
    std::vector<float> x(n);
    for (auto& v : x)
        v = float(rng.gauss());
    return x;
}

std::vector<float> pinkNoise(size_t n, Rng& rng) // Paul Kellet's refined filter
{
    std::vector<float> x(n);
    double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
    for (auto& v : x) {
        const double w = rng.gauss();
        b0 = 0.99886 * b0 + w * 0.0555179;
        b1 = 0.99332 * b1 + w * 0.0750759;
        b2 = 0.96900 * b2 + w * 0.1538520;
        b3 = 0.86650 * b3 + w * 0.3104856;
        b4 = 0.55000 * b4 + w * 0.5329522;
        b5 = -0.7616 * b5 - w * 0.0168980;
        v = float(b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362);
        b6 = w * 0.115926;
    }
    return x;
}

std::vector<float> brownNoise(size_t n, Rng& rng) // leaky integral of white noise (no DC drift)
{
    std::vector<float> x(n);
    double y = 0;
    for (auto& v : x) {
        y = 0.997 * y + 0.03 * rng.gauss();
        v = float(y);
    }
    return x;
}

std::vector<float> hum(size_t n, Rng& rng) // mains hum: 50 or 60 Hz with harmonics, a little hiss
{
    const double f0 = rng.uniform() < 0.5 ? 50.0 : 60.0;
    std::array<double, 8> amp{}, phase{};
    for (size_t h = 0; h < amp.size(); ++h) {
        amp[h] = rng.uniform(0.2, 1.0) / double(h + 1);
        phase[h] = rng.uniform(0, 2 * std::numbers::pi);
    }
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) {
        double v = 0.02 * rng.gauss();
        for (size_t h = 0; h < amp.size(); ++h)
            v += amp[h] * std::sin(2 * std::numbers::pi * f0 * double(h + 1) * double(i) / kRate + phase[h]);
        x[i] = float(v);
    }
    return x;
}

// Plays x at `speed` times its rate (tempo and pitch together), by cubic (Catmull-Rom)
// interpolation: cheap, and the ±10% used here keeps aliasing negligible for speech.
std::vector<float> changeSpeed(const std::vector<float>& x, double speed)
{
    if (x.size() < 2 || speed <= 0)
        return x;
    const size_t n = size_t(double(x.size() - 1) / speed) + 1;
    std::vector<float> y(n);
    auto at = [&](int64_t i) { return x[size_t(std::clamp<int64_t>(i, 0, int64_t(x.size()) - 1))]; };
    for (size_t k = 0; k < n; ++k) {
        const double pos = double(k) * speed;
        const int64_t i = int64_t(pos);
        const float t = float(pos - double(i));
        const float p0 = at(i - 1), p1 = at(i), p2 = at(i + 1), p3 = at(i + 2);
        y[k] = p1 + 0.5f * t * (p2 - p0 + t * (2.0f * p0 - 5.0f * p1 + 4.0f * p2 - p3 + t * (3.0f * (p1 - p2) + p3 - p0)));
    }
    return y;
}

// Cuts a list reading into utterances: runs of sound separated by at least 200 ms of quiet
// (espeak-ng's output is digitally silent between sentences). Frames are 10 ms.
std::vector<std::vector<float>> splitUtterances(const std::vector<float>& x, int rate)
{
    const size_t frame = size_t(std::max(1, rate / 100));
    const size_t n = x.size() / frame;
    std::vector<double> e(n);
    double peak = 0;
    for (size_t k = 0; k < n; ++k)
        peak = std::max(peak, e[k] = rms(x.data() + k * frame, frame));
    std::vector<std::vector<float>> out;
    if (peak <= 0)
        return out;
    const double th = 0.003 * peak;
    const size_t min_gap = 20, margin = 3;
    size_t k = 0;
    while (k < n) {
        while (k < n && e[k] <= th)
            ++k;
        if (k >= n)
            break;
        const size_t start = k;
        size_t last = k, quiet = 0;
        for (; k < n && quiet < min_gap; ++k) {
            if (e[k] > th) {
                last = k;
                quiet = 0;
            } else {
                ++quiet;
            }
        }
        const size_t a = (start > margin ? start - margin : 0) * frame;
        const size_t b = std::min(x.size(), (last + 1 + margin) * frame);
        out.emplace_back(x.begin() + std::ptrdiff_t(a), x.begin() + std::ptrdiff_t(b));
    }
    return out;
}

Status writeTextAtomic(const fs::path& path, const std::string& text);

// The programs each family runs (full paths; empty when that family is not used).
struct Programs {
    std::string espeak, festival, sox;
};

// Festival speaks every word of `words` in one run (one utterance each, saved to its own file in
// a private temporary folder), then sox shifts each file's pitch by sp.pitch cents without changing
// its tempo. The pieces come back at 16 kHz, in order.
Result<std::vector<std::vector<float>>> sayWordsFestival(const Programs& pr, const SynthSpeaker& sp,
                                                        const std::vector<std::string>& words, const std::atomic<bool>* cancel,
                                                        bool* fallback)
{
    std::error_code ec;
    static std::atomic<uint64_t> serial{0};
    const fs::path dir = fs::temp_directory_path(ec) /
                         ("sparsescope-festival-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
    fs::create_directories(dir, ec);
    if (ec)
        return runtimeError("Cannot create a temporary folder for Festival: " + ec.message() + ".");
    struct Cleanup {
        fs::path d;
        ~Cleanup()
        {
            std::error_code e;
            fs::remove_all(d, e);
        }
    } cleanup{dir};
    // Festival itself occasionally crashes on a word at some duration stretches (seen: lp_diphone,
    // "no", stretch 1.29). Then each word is said on its own run, at slightly other stretches if need be.
    auto run = [&](size_t first, size_t count, double stretch, std::string* why) {
        std::string script = "(voice_" + sp.voice + ")\n(Parameter.set 'Duration_Stretch " + std::to_string(stretch) + ")\n";
        for (size_t i = first; i < first + count; ++i)
            script += "(utt.save.wave (utt.synth (Utterance Text \"" + words[i] + "\")) \"" +
                      (dir / ("w" + std::to_string(i) + ".wav")).string() + "\" 'riff)\n";
        if (auto st = writeTextAtomic(dir / "say.scm", script); !st) {
            *why = st.message();
            return false;
        }
        // One shell runs Festival, then sox on every piece: two programs per run, not per word.
        // sox -R -D: no dither and fixed random numbers, so the output is the same on every run.
        const std::string sh = "\"$1\" --batch \"$2\" || exit 1; i=$7; while [ $i -lt \"$5\" ]; do "
                               "\"$3\" -q -R -D \"$4/w$i.wav\" -b 16 -c 1 \"$4/p$i.wav\" pitch \"$6\" || exit 1; i=$((i+1)); done";
        std::vector<char> out;
        return runCapture("/bin/sh", {"-c", sh, "sh", pr.festival, (dir / "say.scm").string(), pr.sox, dir.string(),
                                      std::to_string(first + count), std::to_string(sp.pitch), std::to_string(first)},
                          &out, why);
    };
    std::string why;
    const double stretch = sp.rate / 100.0;
    if (!run(0, words.size(), stretch, &why)) {
        *fallback = true;
        for (size_t i = 0; i < words.size(); ++i) {
            bool ok = false;
            for (double f : {1.0, 0.95, 1.05, 0.9})
                if ((ok = run(i, 1, stretch * f, &why)))
                    break;
            if (!ok) {
                if (cancel && *cancel)
                    return runtimeError("Cancelled.");
                return runtimeError("Festival failed saying '" + words[i] + "' with voice " + sp.voice + " (" + why +
                                    "); is its festvox package installed?");
            }
        }
    }
    std::vector<std::vector<float>> said;
    for (size_t i = 0; i < words.size(); ++i) {
        auto clip = readWav((dir / ("p" + std::to_string(i) + ".wav")).string());
        if (!clip || clip->samples.empty())
            return runtimeError("Festival gave no usable audio for '" + words[i] + "' with voice " + sp.voice + ".");
        said.push_back(resample(clip->samples, clip->sample_rate, kRate));
    }
    return said;
}

// One piece of 16 kHz audio per word, in order. espeak-ng reads all words as short sentences with
// long gaps and the reading is cut at the gaps; should the cut not give one piece per word, each
// word is said on its own (same voice and settings) and *fallback is set. *runs counts the
// synthesiser runs.
Result<std::vector<std::vector<float>>> sayWords(const Programs& pr, const SynthSpeaker& sp, const std::vector<std::string>& words,
                                                const std::atomic<bool>* cancel, int* runs, bool* fallback)
{
    *fallback = false;
    if (sp.family == "festival") {
        ++*runs;
        return sayWordsFestival(pr, sp, words, cancel, fallback);
    }
    std::string text;
    for (const auto& w : words)
        text += w + ". ";
    SynthSpeaker list_reader = sp;
    list_reader.word_gap = 40 + sp.word_gap;
    int rate = 0;
    auto all = speakEspeak(pr.espeak, list_reader, text, &rate, cancel);
    if (!all)
        return all.error();
    ++*runs;
    auto said = splitUtterances(resample(*all, rate, kRate), kRate); // one resampling per speaker
    if (said.size() == words.size())
        return said;
    said.clear();
    *fallback = true;
    for (const auto& w : words) {
        int r = 0;
        auto one = speakEspeak(pr.espeak, sp, w, &r, cancel);
        if (!one)
            return one.error();
        ++*runs;
        said.push_back(resample(*one, r, kRate));
    }
    return said;
}

// Babble: several training speakers each reading a list of random words, summed.
Result<std::vector<float>> babble(size_t n, Rng& rng, const Programs& pr, const std::vector<SynthSpeaker>& talkers,
                                  const std::vector<std::string>& words, const std::atomic<bool>* cancel)
{
    std::vector<float> out(n, 0.0f);
    for (const auto& t : talkers) {
        std::vector<std::string> list;
        for (int k = 0; k < 40; ++k)
            list.push_back(words[size_t(rng.next() % words.size())]);
        int runs = 0;
        bool fallback = false;
        auto said = sayWords(pr, t, list, cancel, &runs, &fallback);
        if (!said)
            return said.error();
        std::vector<float> y;
        for (const auto& piece : *said) {
            y.insert(y.end(), piece.begin(), piece.end());
            y.insert(y.end(), size_t(rng.integer(800, 4000)), 0.0f); // 50-250 ms between words
        }
        if (y.empty())
            continue;
        scaleToRms(y, 0.1);
        const size_t start = size_t(rng.next() % y.size());
        for (size_t i = 0; i < n; ++i)
            out[i] += y[(start + i) % y.size()];
    }
    return out;
}

// ---- layout -------------------------------------------------------------------------------------

std::string hex8(uint64_t v)
{
    char b[16];
    std::snprintf(b, sizeof b, "%08x", unsigned(v & 0xffffffffu));
    return b;
}

Status writeTextAtomic(const fs::path& path, const std::string& text)
{
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << text;
        if (!f.flush())
            return runtimeError("Cannot write " + tmp.string() + ".", tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        return runtimeError("Cannot write " + path.string() + ": " + ec.message() + ".", path.string());
    return Status::ok();
}

struct Plan {
    std::vector<std::string> words;
    int speakers = 0;
};

Plan plan(const SynthDatasetOptions& o)
{
    Plan p;
    p.words = synthWords(o.words);
    const int64_t W = int64_t(p.words.size());
    const int64_t combos = int64_t(kVoices.size() * kVariants.size()) * 4; // espeak-ng combinations, Festival speakers on top
    const int64_t takes = std::max(1, o.takes_per_word);
    int64_t s = (o.clips + W * takes - 1) / (W * takes);
    s = std::max<int64_t>(s, std::min<int64_t>(o.clips, 10)); // tiny sets: still 10 speakers to split
    p.speakers = int(std::clamp<int64_t>(s, 1, combos));
    return p;
}

} // namespace

Result<SynthWordSet> parseSynthWordSet(const std::string& name)
{
    if (name == "commands")
        return SynthWordSet::Commands;
    if (name == "digits")
        return SynthWordSet::Digits;
    if (name == "all")
        return SynthWordSet::All;
    return badInput("Unknown word set '" + name + "' (expected commands, digits or all).");
}

std::vector<std::string> synthWords(SynthWordSet set)
{
    std::vector<std::string> w;
    if (set != SynthWordSet::Digits)
        w = presetKeywords(ClassPreset::Commands);
    if (set != SynthWordSet::Commands) {
        const auto& digits = presetKeywords(ClassPreset::Digits);
        w.insert(w.end(), digits.begin(), digits.end());
    }
    w.insert(w.end(), kUnknownWords.begin(), kUnknownWords.end());
    return w;
}

const std::vector<std::string>& synthFamilies()
{
    return kFamilies;
}

const std::vector<std::pair<std::string, std::string>>& festivalVoices()
{
    return kFestivalVoices;
}

std::vector<SynthSpeaker> synthSpeakers(const SynthDatasetOptions& o)
{
    const int S = plan(o).speakers;
    Rng rng(mix(o.seed, 0x5e4b));
    std::vector<std::string> combos;
    for (const auto& v : kVoices)
        for (const auto& var : kVariants)
            combos.push_back(var.empty() ? v : v + "+" + var);
    shuffle(combos, rng);
    // Speakers per family, in proportion to the shares (largest remainders; every family used gets
    // at least one speaker when there are enough).
    const size_t F = o.families.size();
    double total = 0;
    for (size_t f = 0; f < F; ++f)
        total += f < o.family_shares.size() ? std::max(0.0, o.family_shares[f]) : 1.0;
    std::vector<int> count(F, 0);
    int assigned = 0;
    for (size_t f = 0; f < F; ++f) {
        const double share = total > 0 ? (f < o.family_shares.size() ? std::max(0.0, o.family_shares[f]) : 1.0) / total : 1.0 / double(F);
        count[f] = int(std::floor(share * S));
        assigned += count[f];
    }
    for (size_t f = 0; assigned < S && F > 0; f = (f + 1) % F, ++assigned)
        ++count[f];
    std::vector<std::string> family_of;
    for (size_t f = 0; f < F; ++f)
        family_of.insert(family_of.end(), size_t(count[f]), o.families[f]);

    std::vector<SynthSpeaker> sp(static_cast<size_t>(S));
    std::set<std::string> ids;
    size_t next_combo = 0, next_festival = 0;
    for (int i = 0; i < S; ++i) {
        auto& s = sp[size_t(i)];
        do
            s.id = hex8(rng.next());
        while (!ids.insert(s.id).second);
        s.family = family_of.empty() ? "espeak-ng" : family_of[size_t(i)];
        if (s.family == "festival") {
            s.voice = kFestivalVoices[next_festival++ % kFestivalVoices.size()].first;
            s.pitch = int(rng.integer(-300, 600)); // cents: male voices up towards female pitch
            s.rate = int(rng.integer(80, 130));    // Duration_Stretch in percent
            s.amplitude = int(rng.integer(50, 180));
            s.word_gap = 0;
        } else {
            s.voice = combos[next_combo++ % combos.size()];
            s.pitch = int(rng.integer(15, 85));
            s.rate = int(rng.integer(130, 210));
            s.amplitude = int(rng.integer(50, 180));
            s.word_gap = int(rng.integer(0, 10));
        }
        s.split = "train";
    }
    // Split by speaker within each family, so every family has test and validation voices.
    for (const auto& fam : o.families) {
        std::vector<int> order;
        for (int i = 0; i < S; ++i)
            if (sp[size_t(i)].family == fam)
                order.push_back(i);
        const int n = int(order.size());
        if (n < 3)
            continue;
        shuffle(order, rng);
        const int nt = std::max(1, int(std::lround(o.test_fraction * n)));
        const int nv = std::max(1, int(std::lround(o.validation_fraction * n)));
        for (int i = 0; i < nt + nv && i < n - 1; ++i)
            sp[size_t(order[size_t(i)])].split = i < nt ? "test" : "validation";
    }
    return sp;
}

Result<std::vector<SynthSpeaker>> readSpeakersTsv(const std::string& path)
{
    std::ifstream f(path);
    if (!f)
        return badInput("Cannot read " + path + ".", path);
    std::string line;
    std::vector<std::string> header;
    auto splitTabs = [](const std::string& l) {
        std::vector<std::string> v;
        size_t a = 0;
        for (;;) {
            const size_t b = l.find('\t', a);
            v.push_back(l.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos)
                break;
            a = b + 1;
        }
        return v;
    };
    if (!std::getline(f, line))
        return badInput(path + " is empty.", path);
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    header = splitTabs(line);
    auto column = [&](const std::string& name) {
        for (size_t i = 0; i < header.size(); ++i)
            if (header[i] == name)
                return int(i);
        return -1;
    };
    const int c_id = column("speaker"), c_family = column("family"), c_voice = column("voice"), c_split = column("split");
    if (c_id < 0 || c_voice < 0)
        return badInput(path + " has no 'speaker' and 'voice' columns; it is not a speakers.tsv of dataset synth.", path);
    std::vector<SynthSpeaker> out;
    int line_no = 1;
    while (std::getline(f, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            continue;
        const auto v = splitTabs(line);
        if (int(v.size()) != int(header.size()))
            return badInput(path + " line " + std::to_string(line_no) + " has " + std::to_string(v.size()) + " fields, the header " +
                                std::to_string(header.size()) + ".",
                            path);
        SynthSpeaker sp;
        sp.id = v[size_t(c_id)];
        sp.voice = v[size_t(c_voice)];
        sp.family = c_family >= 0 ? v[size_t(c_family)] : "espeak-ng";
        sp.split = c_split >= 0 ? v[size_t(c_split)] : "";
        out.push_back(std::move(sp));
    }
    return out;
}

Result<std::set<std::string>> selectSynthSpeakers(const std::string& data_dir, const std::string& spec)
{
    const size_t colon = spec.find(':');
    const std::string kind = colon == std::string::npos ? "" : spec.substr(0, colon);
    if (kind != "family" && kind != "voice")
        return badInput("'" + spec + "' does not name speakers; expected family:NAME or voice:NAME (e.g. family:festival).");
    std::set<std::string> names;
    {
        const std::string list = spec.substr(colon + 1);
        size_t a = 0;
        while (a <= list.size()) {
            const size_t b = std::min(list.find(',', a), list.size());
            if (b > a)
                names.insert(list.substr(a, b - a));
            a = b + 1;
        }
    }
    if (names.empty())
        return badInput("'" + spec + "' names no " + kind + ".");
    const std::string tsv = (fs::path(data_dir) / "speakers.tsv").string();
    std::error_code ec;
    if (!fs::exists(tsv, ec))
        return badInput(data_dir + " has no speakers.tsv, so its speakers' " + kind +
                            " is unknown (only sets made by `dataset synth` have one).",
                        tsv);
    auto speakers = readSpeakersTsv(tsv);
    if (!speakers)
        return speakers.error();
    std::set<std::string> out;
    for (const auto& s : *speakers)
        if (names.count(kind == "family" ? s.family : s.voice))
            out.insert(s.id);
    if (out.empty())
        return badInput("No speaker of " + data_dir + " has " + kind + " '" + spec.substr(colon + 1) + "' (see speakers.tsv).", tsv);
    return out;
}

std::string findProgram(const std::string& name)
{
    if (name.empty())
        return {};
    if (name.find('/') != std::string::npos)
        return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "";
    size_t start = 0;
    while (start <= p.size()) {
        const size_t end = std::min(p.find(':', start), p.size());
        const std::string dir = p.substr(start, end - start);
        if (!dir.empty()) {
            const std::string full = dir + "/" + name;
            std::error_code ec;
            if (::access(full.c_str(), X_OK) == 0 && fs::is_regular_file(full, ec))
                return full;
        }
        start = end + 1;
    }
    return {};
}

Result<SynthReport> synthesizeGsc(const SynthDatasetOptions& o, const std::function<void(const SynthProgress&)>& progress,
                                  const std::atomic<bool>* cancel)
{
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto cancelled = [&] { return cancel && cancel->load(); };

    if (o.clips < 1)
        return badInput("The number of clips must be at least 1.");
    if (o.output_dir.empty())
        return badInput("No output folder given.");
    if (o.families.empty())
        return badInput("No synthesis family chosen (expected one or more of espeak-ng, festival).");
    Programs pr;
    for (const auto& fam : o.families) {
        if (fam == "espeak-ng") {
            pr.espeak = findProgram(o.espeak);
            if (pr.espeak.empty())
                return badInput("espeak-ng is not installed; run `make deps` (Debian package espeak-ng).");
        } else if (fam == "festival") {
            pr.festival = findProgram(o.festival);
            pr.sox = findProgram(o.sox);
            if (pr.festival.empty() || pr.sox.empty())
                return badInput(std::string(pr.festival.empty() ? "Festival" : "sox") +
                                " is not installed; run `make deps` (Debian packages festival, festvox-*, sox).");
            for (const auto& [voice, lang] : kFestivalVoices) {
                (void)lang;
                std::error_code vec;
                bool found = false;
                for (const auto& d : fs::directory_iterator("/usr/share/festival/voices", vec))
                    if (fs::exists(d.path() / voice, vec))
                        found = true;
                if (!found)
                    return badInput("Festival voice " + voice + " is not installed; run `make deps` (Debian festvox-* packages).");
            }
        } else {
            return badInput("Unknown synthesis family '" + fam + "' (expected espeak-ng or festival).");
        }
    }
    const fs::path root(o.output_dir);
    std::error_code ec;
    if (fs::exists(root, ec)) {
        if (!fs::is_directory(root, ec))
            return badInput(o.output_dir + " exists and is not a folder.", o.output_dir);
        if (!o.force && fs::directory_iterator(root, ec) != fs::directory_iterator())
            return badInput(o.output_dir + " is not empty; choose a new folder or pass --force to write into it.", o.output_dir);
        if (ec)
            return badInput("Cannot read " + o.output_dir + ": " + ec.message() + ".", o.output_dir);
    }
    fs::create_directories(root / kBackgroundNoiseFolder, ec);
    if (ec || ::access(root.c_str(), W_OK) != 0)
        return badInput("Cannot write to " + o.output_dir + (ec ? ": " + ec.message() : std::string()) + ".", o.output_dir);

    const Plan pl = plan(o);
    const auto speakers = synthSpeakers(o);
    const int S = pl.speakers, W = int(pl.words.size());
    for (const auto& w : pl.words) {
        fs::create_directories(root / w, ec);
        if (ec)
            return badInput("Cannot write to " + (root / w).string() + ": " + ec.message() + ".", (root / w).string());
    }
    SynthReport rep;
    rep.words = W;
    rep.speakers = speakers;

    // Background noise (also mixed into the clips).
    if (progress)
        progress({0, o.clips, elapsed(), "noise"});
    const size_t noise_n = size_t(std::max(2, o.noise_seconds)) * kRate;
    Rng nrng(mix(o.seed, 0x401e));
    std::vector<std::pair<std::string, std::vector<float>>> noises;
    noises.emplace_back("white_noise.wav", whiteNoise(noise_n, nrng));
    noises.emplace_back("pink_noise.wav", pinkNoise(noise_n, nrng));
    noises.emplace_back("brown_noise.wav", brownNoise(noise_n, nrng));
    noises.emplace_back("hum.wav", hum(noise_n, nrng));
    {
        // Six training speakers, taken from the families in turn.
        std::vector<SynthSpeaker> talkers;
        for (size_t round = 0; talkers.size() < 6 && round < speakers.size(); ++round) {
            const size_t before = talkers.size();
            for (const auto& fam : o.families) {
                size_t seen = 0;
                for (const auto& s : speakers)
                    if (s.split == "train" && s.family == fam && seen++ == round && talkers.size() < 6)
                        talkers.push_back(s);
            }
            if (talkers.size() == before)
                break;
        }
        if (talkers.empty())
            talkers.push_back(speakers.front());
        auto b = babble(noise_n, nrng, pr, talkers, pl.words, cancel);
        if (!b)
            return cancelled() ? runtimeError("Cancelled before any clip was written; the folder is incomplete.") : b.error();
        noises.emplace_back("babble.wav", std::move(*b));
    }
    for (auto& [name, x] : noises) {
        scaleToRms(x, 0.1);
        for (auto& v : x)
            v = std::clamp(v, -0.99f, 0.99f);
        if (auto s = writeWav((root / kBackgroundNoiseFolder / name).string(), x, kRate); !s)
            return s.error();
        rep.noise_files.push_back(name);
    }

    // Clip j -> pair p = j mod (S*W) -> speaker p mod S, word (speaker + p / S) mod W, take j / (S*W):
    // every speaker gets a spread of words even in tiny sets.
    struct Item {
        int word, takes;
    };
    std::vector<std::vector<Item>> by_speaker(static_cast<size_t>(S)); // the words each speaker says
    const int64_t pairs = int64_t(S) * W;
    for (int64_t p = 0; p < std::min(pairs, o.clips); ++p) {
        const int s = int(p % S), w = int((s + p / S) % W);
        by_speaker[size_t(s)].push_back({w, int(o.clips / pairs + (p < o.clips % pairs ? 1 : 0))});
    }
    std::vector<int> tasks; // speakers with something to say
    for (int s = 0; s < S; ++s)
        if (!by_speaker[size_t(s)].empty())
            tasks.push_back(s);

    std::atomic<int64_t> done{0};
    std::atomic<size_t> next{0};
    std::atomic<int> finished{0}, espeak_runs{0}, fallback_speakers{0};
    std::mutex err_mutex;
    std::optional<Error> first_error;
    std::vector<std::vector<std::string>> written(tasks.size()); // "word/file.wav" per task
    auto setError = [&](const Error& e) {
        std::lock_guard lock(err_mutex);
        if (!first_error)
            first_error = e;
    };

    auto worker = [&] {
        for (;;) {
            const size_t ti = next++;
            if (ti >= tasks.size() || cancelled())
                break;
            {
                std::lock_guard lock(err_mutex);
                if (first_error)
                    break;
            }
            const int speaker = tasks[ti];
            const SynthSpeaker& sp = speakers[size_t(speaker)];
            const auto& items = by_speaker[size_t(speaker)];
            std::vector<std::string> words;
            for (const auto& it : items)
                words.push_back(pl.words[size_t(it.word)]);
            int runs = 0;
            bool fallback = false;
            auto said_or = sayWords(pr, sp, words, cancel, &runs, &fallback);
            espeak_runs += runs;
            if (fallback)
                ++fallback_speakers;
            if (!said_or || said_or->size() != items.size()) {
                if (!cancelled())
                    setError(said_or ? runtimeError("The synthesiser gave the wrong number of words for voice " + sp.voice + ".")
                                     : said_or.error());
                break;
            }
            const auto& said = *said_or;
          for (size_t ii = 0; ii < items.size() && !cancelled(); ++ii) {
            const int wi = items[ii].word;
            const std::string& word = pl.words[size_t(wi)];
            Rng rng(mix(mix(o.seed, uint64_t(speaker) + 1), uint64_t(wi) + 1000));
            const auto base = trim(said[ii], kRate);
            // The speaker's loudness follows espeak-ng's -a (50..180 -> about -28..-17 dBFS RMS).
            const double speaker_db = -22.0 + 20.0 * std::log10(sp.amplitude / 100.0);
            for (int take = 0; take < items[ii].takes && !cancelled(); ++take) {
                // Speed (tempo and pitch together, like sox speed) ±10%.
                const double speed = rng.uniform(0.9, 1.1);
                auto y = changeSpeed(base, speed);
                if (y.size() > kClip)
                    y.resize(kClip);
                const double level_db = speaker_db + rng.uniform(-6.0, 6.0);
                const double r = rms(y.data(), y.size());
                const double g = r > 0 ? std::pow(10.0, level_db / 20.0) / r : 1.0;
                std::vector<float> clip(kClip, 0.0f);
                const size_t offset = size_t(rng.integer(0, int64_t(kClip - y.size())));
                for (size_t i = 0; i < y.size(); ++i)
                    clip[offset + i] = float(y[i] * g);
                const double speech_rms = r * g;
                const bool do_reverb = rng.uniform() < 0.4;
                const double rt60 = rng.uniform(0.15, 0.6), room = rng.uniform(0.6, 1.4), wet = rng.uniform(0.1, 0.35);
                if (do_reverb)
                    reverb(clip, rt60, room, wet);
                // Background noise: 80% of takes at 5..35 dB SNR, the rest a faint hiss (60 dB SNR).
                const bool noisy = rng.uniform() < 0.8;
                const auto& nz = noises[size_t(rng.next() % noises.size())].second;
                const size_t nstart = size_t(rng.next() % (nz.size() - kClip));
                const double snr = noisy ? rng.uniform(5.0, 35.0) : 60.0;
                const auto& src = noisy ? nz : noises[0].second;
                const double nr = rms(src.data() + nstart, kClip);
                const double ng = nr > 0 ? speech_rms / (nr * std::pow(10.0, snr / 20.0)) : 0.0;
                for (size_t i = 0; i < kClip; ++i)
                    clip[i] = std::clamp(float(clip[i] + ng * src[nstart + i]), -1.0f, 1.0f);
                const std::string rel = word + "/" + sp.id + "_nohash_" + std::to_string(take) + ".wav";
                if (auto s = writeWav((root / rel).string(), clip, kRate); !s) {
                    setError(s.error());
                    return;
                }
                written[ti].push_back(rel);
                ++done;
            }
          }
        }
        ++finished;
    };

    unsigned hw = std::thread::hardware_concurrency();
    int jobs = o.jobs > 0 ? o.jobs : int(hw ? hw : 1);
    jobs = std::max(1, std::min<int>(jobs, int(tasks.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < jobs; ++i)
        threads.emplace_back(worker);
    while (finished.load() < jobs) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (progress)
            progress({done.load(), o.clips, elapsed(), "clips"});
    }
    for (auto& t : threads)
        t.join();
    if (progress)
        progress({done.load(), o.clips, elapsed(), "clips"});
    if (first_error)
        return *first_error;
    if (cancelled() || done.load() != o.clips)
        return runtimeError("Cancelled after " + std::to_string(done.load()) + " of " + std::to_string(o.clips) +
                            " clips; no lists were written, so " + o.output_dir + " is incomplete (rerun with --force).");

    // Lists last: their presence marks a finished tree.
    std::vector<std::string> validation, testing;
    for (size_t ti = 0; ti < tasks.size(); ++ti) {
        const auto& split = speakers[size_t(tasks[ti])].split;
        for (const auto& rel : written[ti]) {
            ++rep.clips;
            if (split == "validation") {
                validation.push_back(rel);
                ++rep.validation;
            } else if (split == "test") {
                testing.push_back(rel);
                ++rep.test;
            } else {
                ++rep.train;
            }
        }
    }
    std::sort(validation.begin(), validation.end());
    std::sort(testing.begin(), testing.end());
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v)
            s += x + "\n";
        return s;
    };
    std::string tsv = "speaker\tfamily\tvoice\tpitch\trate\tamplitude\tword_gap\tsplit\n";
    for (const auto& s : speakers)
        tsv += s.id + "\t" + s.family + "\t" + s.voice + "\t" + std::to_string(s.pitch) + "\t" + std::to_string(s.rate) + "\t" +
               std::to_string(s.amplitude) + "\t" + std::to_string(s.word_gap) + "\t" + s.split + "\n";
    for (auto s : {writeTextAtomic(root / "speakers.tsv", tsv), writeTextAtomic(root / "validation_list.txt", join(validation)),
                   writeTextAtomic(root / "testing_list.txt", join(testing))})
        if (!s)
            return s.error();
    rep.espeak_runs = espeak_runs.load();
    rep.fallback_speakers = fallback_speakers.load();
    rep.seconds = elapsed();
    return rep;
}

} // namespace ss
