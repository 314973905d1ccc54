// Google Speech Commands layout reader (see gsc.h and README.md).
#include "datasets/gsc.h"

#include "audio/melspec.h"
#include "audio/wav.h"
#include "util/splitmix.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>

namespace ss {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kCommandWords = {"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"};
const std::vector<std::string> kDigitWords = {"zero", "one", "two", "three", "four",
                                              "five", "six", "seven", "eight", "nine"};

constexpr const char* kValidationList = "validation_list.txt";
constexpr const char* kTestingList = "testing_list.txt";
constexpr double kSilenceFraction = 0.10; // of each split's word clips, as in TensorFlow's GSC recipe
constexpr double kSilenceWindowSeconds = 1.0;

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::string joinNames(const std::vector<std::string>& names, size_t max_shown = 10)
{
    std::string out;
    for (size_t i = 0; i < names.size() && i < max_shown; ++i)
        out += (i ? ", " : "") + names[i];
    if (names.size() > max_shown)
        out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
}

std::string trim(const std::string& s)
{
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return s.substr(b, e - b);
}

bool isWavName(const fs::path& p)
{
    return lower(p.extension().string()) == ".wav";
}

std::string speakerOf(const std::string& file_name)
{
    const auto pos = file_name.find("_nohash_");
    if (pos != std::string::npos)
        return file_name.substr(0, pos);
    return fs::path(file_name).stem().string(); // not GSC-named: each file is its own "speaker"
}

// Sorted names of the entries of `dir` that satisfy `keep`.
template <class Keep>
Result<std::vector<std::string>> listSorted(const fs::path& dir, Keep keep)
{
    std::vector<std::string> names;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec))
        if (keep(*it))
            names.push_back(it->path().filename().string());
    if (ec)
        return badInput("Cannot list '" + dir.string() + "': " + ec.message() + ".", dir.string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string describeEncoding(const WavInfo& info)
{
    switch (info.encoding) {
    case SampleEncoding::Pcm: return std::to_string(info.bits) + "-bit PCM";
    case SampleEncoding::Float: return std::to_string(info.bits) + "-bit float";
    case SampleEncoding::Other: break;
    }
    return info.subtype.empty() ? "an unknown encoding" : info.subtype;
}

Status requirePcm16(const std::string& path, const WavInfo& info)
{
    if (info.isPcm16())
        return Status::ok();
    return badInput("'" + path + "' is " + describeEncoding(info) +
                        ", not 16-bit PCM: the Speech Commands reader expects 16-bit PCM WAV clips.",
                    path);
}

struct Candidate {
    std::string rel; // "word/file.wav", the spelling used by the lists
    std::string word;
    std::string file;
    int split = 0; // 0 train, 1 validation, 2 test
};

// Marks the clips named by one list. Every entry must name a clip of a word folder.
Status applyList(const fs::path& root, const char* list_name, int split,
                 const std::unordered_map<std::string, size_t>& by_rel, std::vector<Candidate>& clips)
{
    const fs::path list_path = root / list_name;
    const std::string shown = list_path.string();
    std::error_code ec;
    if (!fs::is_regular_file(list_path, ec))
        return badInput("'" + root.string() + "' has no " + list_name + " (Google Speech Commands names its " +
                            (split == 1 ? "validation" : "test") + " clips there, one 'word/file.wav' per line).",
                        shown);
    const auto bytes = fs::file_size(list_path, ec);
    if (ec)
        return badInput("Cannot read '" + shown + "': " + ec.message() + ".", shown);
    if (bytes > uint64_t(kMaxSplitListBytes))
        return badInput("'" + shown + "' is " + std::to_string(bytes) + " bytes long; a split list names one clip per line and " +
                            "SparseScope reads lists of at most " + std::to_string(kMaxSplitListBytes >> 20) + " MiB.",
                        shown);
    std::ifstream in(list_path, std::ios::binary);
    if (!in)
        return badInput("Cannot read '" + shown + "'.", shown);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        return badInput("Reading '" + shown + "' failed.", shown);
    auto entries = parseSplitList(text, shown);
    if (!entries)
        return entries.error();
    for (const SplitListEntry& listed : *entries) {
        const std::string& entry = listed.rel;
        const int line_no = listed.line;
        const auto found = by_rel.find(entry);
        if (found == by_rel.end()) {
            if (fs::exists(root / entry, ec))
                return badInput("'" + shown + "' line " + std::to_string(line_no) + " names '" + entry +
                                    "', which is not a .wav clip in a word folder.",
                                shown);
            return badInput("'" + shown + "' line " + std::to_string(line_no) + " names '" + entry +
                                "', which does not exist in '" + root.string() + "'.",
                            shown);
        }
        Candidate& c = clips[found->second];
        if (c.split != 0 && c.split != split)
            return badInput("'" + entry + "' is listed both in " + kValidationList + " and in " + kTestingList + " of '" +
                                root.string() + "'; a clip can be in only one split.",
                            shown);
        c.split = split;
    }
    return Status::ok();
}

struct NoiseSource {
    std::string path;
    int64_t frames = 0;
    int sample_rate = 0;
};

void addSilence(std::vector<GscClip>& split, size_t word_clips, int label, const std::vector<NoiseSource>& noise,
                uint64_t seed, uint64_t split_salt)
{
    if (word_clips == 0 || noise.empty())
        return;
    const size_t count = std::max<size_t>(1, size_t(std::ceil(kSilenceFraction * double(word_clips))));
    // One generator per split: the validation and test silence stays the same when train changes.
    SplitMix64 rng{seed ^ (split_salt * 0xd1b54a32d192ed03ull)};
    for (size_t i = 0; i < count; ++i) {
        const NoiseSource& src = noise[size_t(rng.next() % noise.size())];
        const int64_t window = std::llround(kSilenceWindowSeconds * src.sample_rate);
        const uint64_t last_start = uint64_t(std::max<int64_t>(0, src.frames - window));
        GscClip clip;
        clip.path = src.path;
        clip.word = kSilenceClass;
        clip.label = label;
        clip.offset = int64_t(rng.next() % (last_start + 1));
        clip.silence = true;
        clip.gain = float(rng.uniform());
        split.push_back(std::move(clip));
    }
}

} // namespace

const std::vector<std::string>& presetKeywords(ClassPreset preset)
{
    return preset == ClassPreset::Digits ? kDigitWords : kCommandWords;
}

std::vector<std::string> presetClasses(ClassPreset preset)
{
    std::vector<std::string> classes = presetKeywords(preset);
    classes.emplace_back(kSilenceClass);
    classes.emplace_back(kUnknownClass);
    return classes;
}

const char* presetName(ClassPreset preset)
{
    return preset == ClassPreset::Digits ? "digits" : "commands";
}

Result<ClassPreset> parsePreset(const std::string& name)
{
    const std::string n = lower(name);
    if (n == "commands")
        return ClassPreset::Commands;
    if (n == "digits")
        return ClassPreset::Digits;
    return badInput("Unknown class preset '" + name + "': expected 'commands' (yes, no, up, ...) or 'digits' (zero ... nine).");
}

const char* splitName(Split split)
{
    switch (split) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
    }
    return "train";
}

Result<Split> parseSplit(const std::string& name)
{
    const std::string n = lower(name);
    if (n == "train")
        return Split::Train;
    if (n == "validation")
        return Split::Validation;
    if (n == "test")
        return Split::Test;
    return badInput("Unknown split '" + name + "': expected 'train', 'validation' or 'test'.");
}

const std::vector<GscClip>& GscDataset::split(Split s) const
{
    switch (s) {
    case Split::Train: return train;
    case Split::Validation: return validation;
    case Split::Test: return test;
    }
    return train;
}

int GscDataset::classIndex(const std::string& name) const
{
    const auto it = std::find(classes.begin(), classes.end(), name);
    return it == classes.end() ? -1 : int(it - classes.begin());
}

Result<std::vector<SplitListEntry>> parseSplitList(const std::string& text, const std::string& where)
{
    std::vector<SplitListEntry> entries;
    int line_no = 0; // text is at most kMaxSplitListBytes when read from a file; int is plenty
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        ++line_no;
        std::string entry = trim(text.substr(pos, end - pos));
        pos = end + 1;
        if (entry.empty())
            continue;
        if (entry.size() > kMaxSplitListEntryBytes)
            return badInput("'" + where + "' line " + std::to_string(line_no) + " is " + std::to_string(entry.size()) +
                                " characters long; a split list names one 'word/file.wav' clip per line.",
                            where);
        if (std::any_of(entry.begin(), entry.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
            return badInput("'" + where + "' line " + std::to_string(line_no) +
                                " holds a control character; a split list names one 'word/file.wav' clip per line.",
                            where);
        while (entry.starts_with("./"))
            entry.erase(0, 2);
        if (entry.empty()) // "./" alone names the dataset folder, not a clip
            return badInput("'" + where + "' line " + std::to_string(line_no) +
                                " names no clip; a split list names one 'word/file.wav' clip per line.",
                            where);
        entries.push_back({std::move(entry), line_no});
    }
    return entries;
}

Result<GscDataset> openGsc(const std::string& dir, ClassPreset preset, const std::vector<std::string>& classes_override,
                           uint64_t seed)
{
    const fs::path root(dir);
    std::error_code ec;
    const auto root_status = fs::status(root, ec);
    if (ec || !fs::exists(root_status))
        return badInput("The dataset folder '" + dir + "' does not exist.", dir);
    if (!fs::is_directory(root_status))
        return badInput("The dataset path '" + dir + "' is not a folder.", dir);

    GscDataset ds;
    ds.root = dir;
    const bool overridden = !classes_override.empty();
    ds.classes = overridden ? classes_override : presetClasses(preset);
    {
        std::set<std::string> seen;
        for (const auto& c : ds.classes) {
            if (c.empty())
                return badInput("The class list has an empty class name.");
            if (!seen.insert(c).second)
                return badInput("The class list names '" + c + "' twice.");
        }
    }
    const int silence_label = ds.classIndex(kSilenceClass);
    const int unknown_label = ds.classIndex(kUnknownClass);
    std::vector<std::string> keywords;
    for (const auto& c : ds.classes)
        if (c != kSilenceClass && c != kUnknownClass)
            keywords.push_back(c);

    // Word folders: everything but hidden folders and "_..._" folders (GSC keeps noise there).
    auto folders = listSorted(root, [](const fs::directory_entry& e) {
        std::error_code dir_ec;
        const std::string name = e.path().filename().string();
        return e.is_directory(dir_ec) && !name.starts_with('.') && !name.starts_with('_');
    });
    if (!folders)
        return folders.error();
    if (folders->empty())
        return badInput("'" + dir + "' has no word folders: a Speech Commands dataset has one folder of .wav clips per word.",
                        dir);

    std::vector<Candidate> candidates;
    std::unordered_map<std::string, size_t> by_rel;
    for (const auto& word : *folders) {
        auto files = listSorted(root / word, [](const fs::directory_entry& e) {
            std::error_code file_ec;
            return e.is_regular_file(file_ec) && isWavName(e.path());
        });
        if (!files)
            return files.error();
        for (const auto& file : *files) {
            Candidate c;
            c.rel = word + "/" + file;
            c.word = word;
            c.file = file;
            by_rel.emplace(c.rel, candidates.size());
            candidates.push_back(std::move(c));
        }
    }
    if (candidates.empty())
        return badInput("'" + dir + "' has " + std::to_string(folders->size()) + " word folders (" + joinNames(*folders) +
                            ") but no .wav clips in them.",
                        dir);

    const std::set<std::string> keyword_set(keywords.begin(), keywords.end());
    const bool any_keyword = std::any_of(candidates.begin(), candidates.end(),
                                         [&](const Candidate& c) { return keyword_set.count(c.word) > 0; });
    if (!any_keyword) {
        const std::string which = overridden ? std::string("the given class list")
                                             : std::string("the '") + presetName(preset) + "' preset";
        return badInput("'" + dir + "' has clips of none of the keywords of " + which + " (" + joinNames(keywords) +
                            "); its word folders are " + joinNames(*folders) + ".",
                        dir);
    }

    if (Status s = applyList(root, kValidationList, 1, by_rel, candidates); !s)
        return s.error();
    if (Status s = applyList(root, kTestingList, 2, by_rel, candidates); !s)
        return s.error();

    size_t left_out = 0;
    for (const auto& c : candidates) {
        GscClip clip;
        clip.path = (root / c.word / c.file).string();
        clip.word = c.word;
        clip.speaker = speakerOf(c.file);
        if (keyword_set.count(c.word)) {
            clip.label = ds.classIndex(c.word);
        } else if (unknown_label >= 0) {
            clip.label = unknown_label;
        } else {
            ++left_out; // a class list without _unknown_ has no place for other words
            continue;
        }
        (c.split == 1 ? ds.validation : c.split == 2 ? ds.test : ds.train).push_back(std::move(clip));
    }
    if (left_out > 0)
        ds.notes.push_back(std::to_string(left_out) + " clips of words outside the class list were left out, since it has no " +
                           kUnknownClass + " class.");

    // Background noise: probed now (a handful of files) so that silence windows fit inside them.
    const fs::path noise_dir = root / kBackgroundNoiseFolder;
    std::vector<NoiseSource> noise;
    if (fs::is_directory(noise_dir, ec)) {
        auto files = listSorted(noise_dir, [](const fs::directory_entry& e) {
            std::error_code file_ec;
            return e.is_regular_file(file_ec) && isWavName(e.path());
        });
        if (!files)
            return files.error();
        for (const auto& file : *files) {
            const std::string path = (noise_dir / file).string();
            auto info = probeWav(path);
            if (!info)
                return info.error();
            ds.noise_files.push_back(path);
            if (info->frames > 0)
                noise.push_back({path, info->frames, info->sample_rate});
        }
    }
    if (silence_label >= 0) {
        if (noise.empty()) {
            ds.notes.push_back("'" + dir + "' has no usable " + kBackgroundNoiseFolder + "/*.wav files, so there are no " +
                               kSilenceClass + " clips.");
        } else {
            const size_t train_words = ds.train.size(), validation_words = ds.validation.size(), test_words = ds.test.size();
            addSilence(ds.train, train_words, silence_label, noise, seed, 1);
            addSilence(ds.validation, validation_words, silence_label, noise, seed, 2);
            addSilence(ds.test, test_words, silence_label, noise, seed, 3);
        }
    }
    return ds;
}

// The clip carries its full path; the dataset argument keeps the door open for layouts that need it.
Result<std::vector<float>> loadClipSamples(const GscDataset& /*dataset*/, const GscClip& clip, const AudioSettings& settings)
{
    if (Status s = checkClipSettings(settings); !s)
        return s.error();
    if (!clip.silence) {
        WavInfo info;
        auto samples = loadClip16k(clip.path, settings, &info);
        // Check the encoding first: a float WAV should be refused for being float, not for a NaN in it.
        if (info.sample_rate > 0)
            if (Status s = requirePcm16(clip.path, info); !s)
                return s.error();
        return samples;
    }

    auto info = probeWav(clip.path);
    if (!info)
        return info.error();
    if (Status s = requirePcm16(clip.path, *info); !s)
        return s.error();
    const int64_t window = std::max<int64_t>(1, std::llround(settings.clip_seconds * info->sample_rate));
    // A window that would run past the end (noise file changed, or a longer clip_seconds than the
    // 1 s the offsets were drawn for) is moved back to fit; a file shorter than it is zero-padded.
    const int64_t start = std::clamp<int64_t>(clip.offset, 0, std::max<int64_t>(0, info->frames - window));
    auto part = readWavRange(clip.path, start, window);
    if (!part)
        return part.error();
    std::vector<float> samples =
        fitLength(resample(part->samples, part->sample_rate, settings.sample_rate), clipSamples(settings));
    const float gain = std::clamp(clip.gain, 0.0f, 1.0f);
    for (float& v : samples)
        v *= gain;
    return samples;
}

Result<std::vector<float>> loadClipFeatures(const GscDataset& dataset, const GscClip& clip, const LogMelFrontEnd& front_end)
{
    if (!front_end.status())
        return front_end.status().error();
    auto samples = loadClipSamples(dataset, clip, front_end.settings());
    if (!samples)
        return samples.error();
    return front_end.compute(*samples);
}

Result<std::vector<float>> loadClipFeatures(const GscDataset& dataset, const GscClip& clip, const AudioSettings& settings)
{
    const LogMelFrontEnd front_end(settings);
    return loadClipFeatures(dataset, clip, front_end);
}

} // namespace ss
