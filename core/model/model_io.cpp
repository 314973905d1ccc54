// safetensors reading/writing and the SparseScope architecture header (docs/model-format.md).
#include "model/model_io.h"

#include "audio/melspec.h"
#include "sparsity/complementary.h"
#include "util/json_depth.h"
#include "util/output_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>

#include <unistd.h>

namespace ss {

using nlohmann::json;

namespace {

constexpr uint64_t kMaxHeader = 100ull << 20; // 100 MiB of JSON is certainly not a model header
// Tensor data read from one file: every layer within kMaxWeightsPerLayer, far beyond any keyword spotter.
constexpr uint64_t kMaxModelData = 4ull << 30;
constexpr int kFormatVersion = 1;

int dtypeSize(const std::string& d)
{
    if (d == "F32" || d == "I32") return 4;
    if (d == "F64" || d == "I64") return 8;
    if (d == "F16" || d == "BF16" || d == "I16") return 2;
    if (d == "U8" || d == "I8" || d == "BOOL") return 1;
    return 0;
}

float readElement(const uint8_t* p, const std::string& d)
{
    if (d == "F32") { float v; std::memcpy(&v, p, 4); return v; }
    if (d == "F64") { double v; std::memcpy(&v, p, 8); return float(v); }
    if (d == "I32") { int32_t v; std::memcpy(&v, p, 4); return float(v); }
    if (d == "I64") { int64_t v; std::memcpy(&v, p, 8); return float(v); }
    if (d == "I16") { int16_t v; std::memcpy(&v, p, 2); return float(v); }
    if (d == "U8" || d == "BOOL") return float(*p);
    if (d == "I8") return float(int8_t(*p));
    if (d == "F16") {
        uint16_t h; std::memcpy(&h, p, 2);
        const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
        float v = (exp == 0) ? std::ldexp(float(man), -24)
                  : (exp == 31) ? (man ? NAN : INFINITY)
                                : std::ldexp(float(man | 0x400), int(exp) - 25);
        return sign ? -v : v;
    }
    if (d == "BF16") {
        uint16_t h; std::memcpy(&h, p, 2);
        uint32_t u = uint32_t(h) << 16; float v; std::memcpy(&v, &u, 4); return v;
    }
    return 0.0f;
}

bool isMaskName(const std::string& n) { return n.size() > 12 && n.ends_with(".weight_mask"); }

// Parser messages quote the bytes they choked on; keep them printable for a terminal.
std::string printable(const char* what)
{
    std::string out;
    for (const char* p = what; *p && out.size() < 160; ++p)
        out += (static_cast<unsigned char>(*p) >= 32 && static_cast<unsigned char>(*p) < 127) ? *p : '?';
    return out;
}

} // namespace

Result<SafeTensors> parseSafeTensors(const std::vector<uint8_t>& bytes, const std::string& where)
{
    if (bytes.size() < 8)
        return badInput("'" + where + "' is too short to be a safetensors file (" + std::to_string(bytes.size()) + " bytes).", where);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; --i)
        hlen = (hlen << 8) | bytes[size_t(i)];
    if (hlen > kMaxHeader || hlen > bytes.size() - 8)
        return badInput("'" + where + "' is not a safetensors file: its header claims " + std::to_string(hlen) +
                            " bytes but the file has " + std::to_string(bytes.size() - 8) + " after the length field.", where);
    const std::string_view header_text(reinterpret_cast<const char*>(bytes.data()) + 8, size_t(hlen));
    if (Status s = checkJsonDepth(header_text, "'" + where + "': the safetensors header", where); !s)
        return s.error();
    json header;
    try {
        header = json::parse(header_text);
    } catch (const std::exception& e) {
        return badInput("'" + where + "' has a safetensors header that is not valid JSON (" + printable(e.what()) + ").", where);
    }
    if (!header.is_object())
        return badInput("'" + where + "' has a safetensors header that is not a JSON object.", where);

    SafeTensors st;
    const uint8_t* data = bytes.data() + 8 + hlen;
    const uint64_t data_size = bytes.size() - 8 - hlen;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    try {
        for (auto it = header.begin(); it != header.end(); ++it) {
            if (it.key() == "__metadata__") {
                if (!it->is_object())
                    return badInput("'" + where + "': __metadata__ must be an object of strings.", where);
                for (auto m = it->begin(); m != it->end(); ++m) {
                    if (!m->is_string())
                        return badInput("'" + where + "': __metadata__ entry '" + printable(m.key().c_str()) + "' is not a string.", where);
                    st.metadata[m.key()] = m->get<std::string>();
                }
                continue;
            }
            const std::string name = it.key();
            // Names are quoted in sentences: refuse what would reach a terminal raw (ANSI escapes).
            if (name.size() > 200 || std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 32 || c == 127; }))
                return badInput("'" + where + "' has a tensor whose name holds control characters or is over 200 bytes long; it is not a SparseScope model.", where);
            const json& t = *it;
            if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
                return badInput("Tensor '" + name + "' in '" + where + "' lacks dtype, shape or data_offsets.", name);
            const std::string dtype = t["dtype"].get<std::string>();
            const int esize = dtypeSize(dtype);
            if (esize == 0)
                return badInput("Tensor '" + name + "' in '" + where + "' has unsupported dtype " + dtype + ".", name);
            Shape shape;
            if (!t["shape"].is_array())
                return badInput("Tensor '" + name + "' has a shape that is not a list of dimensions.", name);
            uint64_t elements = 1;
            for (const auto& d : t["shape"]) {
                const int64_t v = d.get<int64_t>();
                if (v < 0)
                    return badInput("Tensor '" + name + "' has a negative dimension.", name);
                // no model tensor comes near 2^40 elements: larger products are corrupt headers
                if (v > (int64_t(1) << 40) || (v > 0 && elements > (uint64_t(1) << 40) / uint64_t(v)))
                    return badInput("Tensor '" + name + "' has an impossibly large shape.", name);
                elements *= uint64_t(v);
                shape.push_back(v);
            }
            const auto& off = t["data_offsets"];
            if (!off.is_array() || off.size() != 2)
                return badInput("Tensor '" + name + "' has malformed data_offsets.", name);
            const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
            const uint64_t n = uint64_t(numel(shape));
            if (b > e || e > data_size)
                return badInput("Tensor '" + name + "' in '" + where + "' points outside the file (bytes " +
                                    std::to_string(b) + ".." + std::to_string(e) + " of " + std::to_string(data_size) +
                                    "): the file is truncated or corrupt.", name);
            if (e - b != n * uint64_t(esize))
                return badInput("Tensor '" + name + "' holds " + std::to_string(e - b) + " bytes but its shape " +
                                    shapeToString(shape) + " of " + dtype + " needs " + std::to_string(n * esize) + ".", name);
            ranges.emplace_back(b, e);
            Tensor tensor;
            tensor.shape = shape;
            tensor.data.resize(n);
            if (dtype == "F32") // the common case: one copy (little-endian host, as safetensors is)
                std::memcpy(tensor.data.data(), data + b, n * 4);
            else
                for (uint64_t i = 0; i < n; ++i)
                    tensor.data[i] = readElement(data + b + i * esize, dtype);
            st.tensors[name] = std::move(tensor);
        }
    } catch (const std::exception& e) {
        return badInput("'" + where + "' has a malformed safetensors header (" + printable(e.what()) + ").", where);
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second)
            return badInput("'" + where + "' has overlapping tensor data: the file is corrupt.", where);
    return st;
}

std::vector<uint8_t> serializeSafeTensors(const SafeTensors& st)
{
    json header = json::object();
    if (!st.metadata.empty())
        header["__metadata__"] = st.metadata;
    uint64_t offset = 0;
    for (const auto& [name, t] : st.tensors) {
        const bool mask = isMaskName(name);
        const uint64_t bytes = uint64_t(t.size()) * (mask ? 1 : 4);
        header[name] = {{"dtype", mask ? "U8" : "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string h = header.dump();
    while ((h.size() + 8) % 8 != 0) // align data to 8 bytes, as the reference writer does
        h.push_back(' ');
    std::vector<uint8_t> out(8 + h.size() + offset);
    uint64_t hl = h.size();
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = uint8_t(hl >> (8 * i));
    std::memcpy(out.data() + 8, h.data(), h.size());
    uint8_t* p = out.data() + 8 + h.size();
    for (const auto& [name, t] : st.tensors) {
        if (isMaskName(name)) {
            for (float v : t.data)
                *p++ = v != 0.0f ? 1 : 0;
        } else {
            std::memcpy(p, t.data.data(), t.data.size() * 4);
            p += t.data.size() * 4;
        }
    }
    return out;
}

// ---- architecture header -----------------------------------------------------------------------

namespace {

json layerToJson(const Layer& L)
{
    json j = {{"name", L.name}};
    switch (L.kind) {
    case LayerKind::Conv2d:
        j["type"] = "Conv2d";
        j["in_channels"] = L.in_channels;
        j["out_channels"] = L.out_channels;
        j["kernel_size"] = {L.kernel_h, L.kernel_w};
        j["stride"] = L.stride;
        j["padding"] = L.padding;
        j["bias"] = !L.bias.empty();
        j["weight_density"] = L.weight_density;
        j["group_size"] = L.group_size;
        break;
    case LayerKind::Linear:
        j["type"] = "Linear";
        j["in_features"] = L.in_features;
        j["out_features"] = L.out_features;
        j["bias"] = !L.bias.empty();
        j["weight_density"] = L.weight_density;
        j["group_size"] = L.group_size;
        break;
    case LayerKind::MaxPool2d:
        j["type"] = "MaxPool2d";
        j["kernel_size"] = L.pool_kernel;
        j["stride"] = L.pool_stride;
        break;
    case LayerKind::BatchNorm:
        j["type"] = L.in_shape.h * L.in_shape.w > 1 ? "BatchNorm2d" : "BatchNorm1d";
        j["num_features"] = L.num_features;
        j["eps"] = L.eps;
        j["affine"] = L.affine;
        break;
    case LayerKind::KWinners:
    case LayerKind::KWinners2d:
        j["type"] = layerKindName(L.kind);
        if (L.kind == LayerKind::KWinners2d) {
            j["channels"] = L.num_features;
            j["local"] = L.local;
        } else {
            j["n"] = L.num_features;
        }
        j["percent_on"] = L.percent_on;
        j["k"] = L.k;
        j["k_inference"] = L.k_inference;
        j["k_inference_factor"] = L.k_inference_factor;
        j["boost_strength"] = L.boost_strength;
        break;
    default:
        j["type"] = layerKindName(L.kind);
        break;
    }
    return j;
}

#define SS_RETURN_IF_ERROR(expr)                                                                                 \
    do {                                                                                                         \
        Status s_ = (expr);                                                                                      \
        if (!s_) return s_.error();                                                                              \
    } while (0)
#define SS_TRY(expr) SS_RETURN_IF_ERROR(expr)

std::string num(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

// Keys and values quoted in sentences: printable and short.
std::string printableKey(const std::string& s)
{
    std::string out;
    for (char c : s) {
        if (out.size() >= 40) {
            out += "...";
            break;
        }
        out += (static_cast<unsigned char>(c) >= 32 && static_cast<unsigned char>(c) < 127) ? c : '?';
    }
    return out;
}

// Reads one JSON object field by field: every key must be known, every integer whole and in range
// before it is narrowed to int, every number finite and in range. Sentences name the owner
// ("Layer 'cnn1' (Conv2d)", "The audio settings").
class Fields {
public:
    Fields(const json& j, std::string owner, std::string where) : j_(j), owner_(std::move(owner)), where_(std::move(where)) {}

    // Refuses keys outside `known`; `unimplemented` keys get "does not implement" instead.
    Status onlyKnown(std::initializer_list<const char*> known) const
    {
        for (auto it = j_.begin(); it != j_.end(); ++it) {
            bool ok = false;
            for (const char* k : known)
                ok = ok || it.key() == k;
            if (!ok)
                return badInput(owner_ + " has key '" + printableKey(it.key()) +
                                    "', which SparseScope does not know; see docs/model-format.md.", where_);
        }
        return Status::ok();
    }
    bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }

    Status integer(const char* key, int* out, int64_t lo, int64_t hi, bool required = false) const
    {
        if (!has(key))
            return required ? missing(key) : Status::ok();
        return wholeNumber(j_.at(key), key, out, lo, hi);
    }
    // An int, or [a, b] (PyTorch's pair form) for kernel sizes, strides and paddings.
    Status pair(const char* key, int* a, int* b, int64_t lo, int64_t hi, bool required = false) const
    {
        if (!has(key))
            return required ? missing(key) : Status::ok();
        const json& v = j_.at(key);
        if (v.is_array()) {
            if (v.size() != 2)
                return badInput(owner_ + ": '" + key + "' must be a whole number or a pair of them.", where_);
            SS_RETURN_IF_ERROR(wholeNumber(v[0], key, a, lo, hi));
            return wholeNumber(v[1], key, b, lo, hi);
        }
        SS_RETURN_IF_ERROR(wholeNumber(v, key, a, lo, hi));
        *b = *a;
        return Status::ok();
    }
    Status number(const char* key, double* out, double lo, double hi, bool required = false) const
    {
        if (!has(key))
            return required ? missing(key) : Status::ok();
        const json& v = j_.at(key);
        if (!v.is_number())
            return badInput(owner_ + ": '" + key + "' must be a number.", where_);
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < lo || d > hi)
            return badInput(owner_ + " has " + key + " " + num(d) + "; it must be between " + num(lo) + " and " + num(hi) + ".",
                            where_);
        *out = d;
        return Status::ok();
    }
    Status boolean(const char* key, bool* out) const
    {
        if (!has(key))
            return Status::ok();
        if (!j_.at(key).is_boolean())
            return badInput(owner_ + ": '" + key + "' must be true or false.", where_);
        *out = j_.at(key).get<bool>();
        return Status::ok();
    }

private:
    const json& j_;
    std::string owner_, where_;

    Status missing(const char* key) const { return badInput(owner_ + " lacks '" + key + "'.", where_); }
    Status wholeNumber(const json& v, const char* key, int* out, int64_t lo, int64_t hi) const
    {
        if (!v.is_number_integer())
            return badInput(owner_ + ": '" + key + "' must be a whole number (found " + printableKey(v.dump()) + ").", where_);
        // Compare before narrowing: 2^32 + 5 must not become 5.
        const bool in_range = v.is_number_unsigned() ? v.get<uint64_t>() <= uint64_t(hi) && int64_t(v.get<uint64_t>()) >= lo
                                                     : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
        if (!in_range)
            return badInput(owner_ + " has " + key + " " + printableKey(v.dump()) + "; it must be between " +
                                std::to_string(lo) + " and " + std::to_string(hi) + ".",
                            where_);
        *out = int(v.get<int64_t>());
        return Status::ok();
    }
};

Result<Layer> layerFromJson(const json& j, int index, const std::string& where)
{
    Layer L;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        return badInput("Layer " + std::to_string(index) + " in the architecture has no 'type'.", where);
    L.name = std::string("layer") + std::to_string(index);
    if (j.contains("name")) {
        if (!j["name"].is_string() || j["name"].get<std::string>().empty())
            return badInput("Layer " + std::to_string(index) + " in the architecture has a 'name' that is not a non-empty string.", where);
        L.name = j["name"].get<std::string>();
        if (L.name.size() > 200 || std::any_of(L.name.begin(), L.name.end(), [](char c) { return (unsigned char)c < 32 || c == 127; }))
            return badInput("Layer " + std::to_string(index) + " has a name with control characters or over 200 bytes.", where);
    }
    const std::string type = j["type"].get<std::string>();
    if (!parseLayerKind(type, &L.kind))
        return badInput("Layer '" + L.name + "' has unknown type '" + printableKey(type) +
                            "' (known: Conv2d, Linear, MaxPool2d, BatchNorm1d/2d, ReLU, KWinners, KWinners2d, Flatten, LogSoftmax).", L.name);
    const Fields f(j, "Layer '" + L.name + "' (" + type + ")", L.name);
    auto notImplemented = [&](const std::string& what) {
        return badInput("Layer '" + L.name + "' (" + type + ") uses " + what + ", which SparseScope does not implement.", L.name);
    };
    switch (L.kind) {
    case LayerKind::Conv2d: {
        SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "in_channels", "out_channels", "kernel_size", "stride", "padding", "bias",
                                        "weight_density", "group_size", "dilation", "groups"}));
        SS_RETURN_IF_ERROR(f.integer("in_channels", &L.in_channels, 1, kMaxExtent, true));
        SS_RETURN_IF_ERROR(f.integer("out_channels", &L.out_channels, 1, kMaxExtent, true));
        SS_RETURN_IF_ERROR(f.pair("kernel_size", &L.kernel_h, &L.kernel_w, 1, kMaxExtent, true));
        int sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
        SS_RETURN_IF_ERROR(f.pair("stride", &sh, &sw, 1, kMaxExtent));
        SS_RETURN_IF_ERROR(f.pair("padding", &ph, &pw, 0, kMaxExtent));
        SS_RETURN_IF_ERROR(f.pair("dilation", &dh, &dw, 1, kMaxExtent));
        SS_RETURN_IF_ERROR(f.integer("groups", &groups, 1, kMaxExtent));
        if (sh != sw)
            return notImplemented("different strides along height and width");
        if (ph != pw)
            return notImplemented("different paddings along height and width");
        if (dh != 1 || dw != 1)
            return notImplemented("dilation " + std::to_string(std::max(dh, dw)));
        if (groups != 1)
            return notImplemented("groups " + std::to_string(groups));
        L.stride = sh;
        L.padding = ph;
        bool bias = true;
        SS_RETURN_IF_ERROR(f.boolean("bias", &bias));
        break;
    }
    case LayerKind::Linear: {
        SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "in_features", "out_features", "bias", "weight_density", "group_size"}));
        SS_RETURN_IF_ERROR(f.integer("in_features", &L.in_features, 1, kMaxUnits, true));
        SS_RETURN_IF_ERROR(f.integer("out_features", &L.out_features, 1, kMaxUnits, true));
        bool bias = true;
        SS_RETURN_IF_ERROR(f.boolean("bias", &bias));
        break;
    }
    case LayerKind::MaxPool2d: {
        SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "kernel_size", "stride"}));
        int kh = 2, kw = 2;
        SS_RETURN_IF_ERROR(f.pair("kernel_size", &kh, &kw, 1, kMaxExtent, true));
        if (kh != kw)
            return notImplemented("a non-square kernel");
        L.pool_kernel = kh;
        int sh = kh, sw = kh;
        SS_RETURN_IF_ERROR(f.pair("stride", &sh, &sw, 1, kMaxExtent));
        if (sh != sw)
            return notImplemented("different strides along height and width");
        L.pool_stride = sh;
        break;
    }
    case LayerKind::BatchNorm: {
        SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "num_features", "eps", "affine", "momentum"}));
        SS_RETURN_IF_ERROR(f.integer("num_features", &L.num_features, 1, kMaxUnits, true));
        double eps = L.eps, momentum = 0.1;
        SS_RETURN_IF_ERROR(f.number("eps", &eps, 1e-30, 1.0));
        SS_RETURN_IF_ERROR(f.number("momentum", &momentum, 0.0, 1.0)); // training only
        L.eps = float(eps);
        if (!(L.eps > 0))
            return badInput("Layer '" + L.name + "' has eps " + num(eps) + ", which is zero in float32; it must be positive.", L.name);
        SS_RETURN_IF_ERROR(f.boolean("affine", &L.affine));
        break;
    }
    case LayerKind::KWinners:
    case LayerKind::KWinners2d: {
        if (L.kind == LayerKind::KWinners2d) {
            SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "channels", "local", "percent_on", "k", "k_inference",
                                            "k_inference_factor", "boost_strength", "boost_strength_factor", "duty_cycle_period"}));
            SS_RETURN_IF_ERROR(f.integer("channels", &L.num_features, 0, kMaxExtent));
            SS_RETURN_IF_ERROR(f.boolean("local", &L.local));
        } else {
            SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type", "n", "percent_on", "k", "k_inference", "k_inference_factor",
                                            "boost_strength", "boost_strength_factor", "duty_cycle_period"}));
            SS_RETURN_IF_ERROR(f.integer("n", &L.num_features, 0, kMaxUnits));
        }
        SS_RETURN_IF_ERROR(f.number("percent_on", &L.percent_on, 0.0, 1.0));
        SS_RETURN_IF_ERROR(f.integer("k", &L.k, 0, kMaxUnits));
        SS_RETURN_IF_ERROR(f.integer("k_inference", &L.k_inference, 0, kMaxUnits));
        SS_RETURN_IF_ERROR(f.number("k_inference_factor", &L.k_inference_factor, 1e-6, 1000.0));
        // Bounded so that every boost factor exp((target - duty) * strength), with duty cycles in
        // [0, 1], is a normal float: all engines then pick the same winners.
        SS_RETURN_IF_ERROR(f.number("boost_strength", &L.boost_strength, 0.0, kMaxBoostStrength));
        double training_only = 0;
        SS_RETURN_IF_ERROR(f.number("boost_strength_factor", &training_only, 0.0, 1.0));
        SS_RETURN_IF_ERROR(f.number("duty_cycle_period", &training_only, 0.0, 1e12));
        if (L.k <= 0 && !(L.percent_on > 0 && L.percent_on < 1))
            return badInput("Layer '" + L.name + "' needs 'k' or a 'percent_on' between 0 and 1.", L.name);
        break;
    }
    default:
        SS_RETURN_IF_ERROR(f.onlyKnown({"name", "type"}));
        break;
    }
    if (L.hasWeights()) {
        SS_RETURN_IF_ERROR(f.number("weight_density", &L.weight_density, -1e300, 1e300));
        SS_RETURN_IF_ERROR(f.integer("group_size", &L.group_size, 1, 255));
        if (!(L.weight_density > 0 && L.weight_density <= 1))
            return badInput("Layer '" + L.name + "' has weight_density " + std::to_string(L.weight_density) +
                                "; it must be in (0, 1].", L.name);
    }
    return L;
}

Status takeTensor(std::map<std::string, Tensor>& tensors, const std::string& name, const Shape& shape,
                  bool required, Tensor* out, const std::string& layer, bool per_channel_alias = false)
{
    auto it = tensors.find(name);
    if (it == tensors.end()) {
        if (required)
            return badInput("Tensor '" + name + "' is missing (layer '" + layer + "' needs it, shape " +
                                shapeToString(shape) + ").", name);
        return Status::ok();
    }
    // Duty cycles of KWinners2d are stored as [C] or [1, C, 1, 1]; every other tensor must match.
    const bool alias = per_channel_alias && numel(it->second.shape) == numel(shape) &&
                       ((shape.size() == 4 && it->second.shape.size() == 1) || (shape.size() == 1 && it->second.shape.size() == 4));
    if (it->second.shape != shape && !alias)
        return badInput("Tensor '" + name + "' has shape " + shapeToString(it->second.shape) + " but layer '" +
                            layer + "' needs " + shapeToString(shape) + ".", name);
    *out = std::move(it->second);
    out->shape = shape;
    tensors.erase(it);
    return Status::ok();
}

} // namespace

Status validateModel(const Model& model)
{
    for (const auto& L : model.layers) {
        for (const Tensor* t : {&L.weight, &L.bias, &L.running_mean, &L.running_var, &L.duty_cycles, &L.bn_weight, &L.bn_bias})
            for (float v : t->data)
                if (!std::isfinite(v))
                    return badInput("Layer '" + L.name + "' holds a non-finite parameter (NaN or infinity).", L.name);
        // Duty cycles are fractions of time a unit won; bounded, with boost_strength, so that every
        // boost factor is a normal float and all engines pick the same winners.
        for (float v : L.duty_cycles.data)
            if (!(v >= 0.0f && v <= 1.0f))
                return badInput("Layer '" + L.name + "' has a duty cycle of " + num(v) + "; duty cycles must be between 0 and 1.",
                                L.name + ".duty_cycles");
        if (L.kind == LayerKind::BatchNorm)
            for (float v : L.running_var.data)
                if (v < 0)
                    return badInput("Layer '" + L.name + "' has a negative running_var.", L.name + ".running_var");
        if (!L.hasWeights())
            continue;
        const int M = L.outputs(), N = L.fanIn();
        if (L.mask.empty()) {
            if (L.group_size > 1)
                return badInput("Layer '" + L.name + "' declares complementary groups of " + std::to_string(L.group_size) +
                                    " but has no weight_mask to check them against.", L.name + ".weight_mask");
            continue;
        }
        int64_t ones = 0;
        for (int64_t i = 0; i < int64_t(M) * N; ++i) {
            const float m = L.mask.data[size_t(i)];
            if (m != 0.0f && m != 1.0f)
                return badInput("Tensor '" + L.name + ".weight_mask' holds " + std::to_string(m) +
                                    "; a mask must be 0 or 1.", L.name + ".weight_mask");
            if (m == 0.0f && L.weight.data[size_t(i)] != 0.0f)
                return badInput("Tensor '" + L.name + ".weight' has a non-zero weight at output " + std::to_string(i / N) +
                                    ", input " + std::to_string(i % N) + " where its mask is 0.", L.name + ".weight");
            ones += (m != 0.0f);
        }
        const double density = double(ones) / (double(M) * N);
        // Per-output rounding allows a little slack; anything beyond 2 points is a wrong declaration.
        if (std::abs(density - L.weight_density) > 0.02 + 1.0 / N)
            return badInput("Layer '" + L.name + "' declares weight_density " + std::to_string(L.weight_density) +
                                " but its mask keeps " + std::to_string(density) + ".", L.name + ".weight_mask");
        if (L.group_size > 1) {
            const auto rep = checkComplementary(L.mask.ptr(), M, N, L.group_size);
            if (rep.collisions > 0)
                return badInput("Layer '" + L.name + "' declares complementary groups of " + std::to_string(L.group_size) +
                                    " but " + std::to_string(rep.collisions) + " input positions are owned by more than one output of their group (" +
                                    std::to_string(rep.bad_groups.size()) + " groups).", L.name + ".weight_mask");
        }
    }
    return checkActivationBound(model);
}

Status checkActivationBound(const Model& model)
{
    // Worst case |activation| after each layer for inputs within +-kMaxInputMagnitude: a weighted
    // layer adds up |w| over its fan-in, batch norm scales by |gamma| / sqrt(var + eps); ReLU,
    // pooling, k-WTA (which keeps the unboosted values) and flatten do not grow it; log-softmax at
    // most doubles it. Trained networks stay many orders of magnitude below the limit.
    double bound = kMaxInputMagnitude;
    for (const auto& L : model.layers) {
        if (L.hasWeights()) {
            const int64_t M = L.outputs(), N = L.fanIn();
            if (int64_t(L.weight.data.size()) != M * N)
                continue; // shape errors are reported by the loader
            double worst = 0;
            for (int64_t m = 0; m < M; ++m) {
                double row = 0;
                const float* w = L.weight.data.data() + m * N;
                for (int64_t n = 0; n < N; ++n)
                    row += std::abs(double(w[n]));
                const double b = L.bias.data.empty() ? 0.0 : std::abs(double(L.bias.data[size_t(m)]));
                worst = std::max(worst, row * bound + b);
            }
            bound = worst;
        } else if (L.kind == LayerKind::BatchNorm) {
            double worst = 0;
            for (size_t c = 0; c < L.running_var.data.size(); ++c) {
                const double mean = c < L.running_mean.data.size() ? std::abs(double(L.running_mean.data[c])) : 0.0;
                const double g = L.affine && c < L.bn_weight.data.size() ? std::abs(double(L.bn_weight.data[c])) : 1.0;
                const double b = L.affine && c < L.bn_bias.data.size() ? std::abs(double(L.bn_bias.data[c])) : 0.0;
                worst = std::max(worst, (bound + mean) / std::sqrt(double(L.running_var.data[c]) + double(L.eps)) * g + b);
            }
            bound = worst;
        } else if (L.kind == LayerKind::LogSoftmax) {
            bound *= 2;
        }
        if (!(bound <= kMaxActivationBound))
            return badInput("Layer '" + L.name + "' could carry an input of magnitude " + num(kMaxInputMagnitude) +
                                " to " + num(bound) + ", past what float32 holds safely (" + num(kMaxActivationBound) +
                                "): its parameters are far larger than any trained network's.", L.name);
    }
    return Status::ok();
}

Result<Model> modelFromBytes(const std::vector<uint8_t>& bytes, const std::string& where)
{
    auto parsed = parseSafeTensors(bytes, where);
    if (!parsed)
        return parsed.error();
    SafeTensors& st = *parsed;
    auto meta = st.metadata.find("sparsescope");
    if (meta == st.metadata.end())
        return badInput("'" + where + "' is a safetensors file without a SparseScope architecture (__metadata__ key 'sparsescope'); see docs/model-format.md.", where);
    if (Status s = checkJsonDepth(meta->second, "'" + where + "': the architecture JSON", where); !s)
        return s.error();
    json arch;
    try {
        arch = json::parse(meta->second);
    } catch (const std::exception& e) {
        return badInput("'" + where + "': the architecture in __metadata__ is not valid JSON (" + printable(e.what()) + ").", where);
    }
    Model m;
    try {
        if (!arch.is_object())
            return badInput("'" + where + "': the architecture in __metadata__ is not a JSON object.", where);
        const Fields top(arch, "'" + where + "': the architecture", where);
        SS_RETURN_IF_ERROR(top.onlyKnown({"format", "format_version", "name", "input_shape", "classes", "audio", "info", "layers"}));
        if (arch.contains("format") && arch["format"] != "sparsescope-model")
            return badInput("'" + where + "': the architecture's format is not \"sparsescope-model\".", where);
        int version = 0;
        SS_RETURN_IF_ERROR(top.integer("format_version", &version, INT32_MIN, INT32_MAX));
        if (version != kFormatVersion)
            return badInput("'" + where + "' has model format version " + std::to_string(version) + "; this SparseScope reads version " +
                                std::to_string(kFormatVersion) + ".", where);
        m.name = arch.value("name", std::filesystem::path(where).stem().string());
        if (!arch.contains("input_shape") || !arch["input_shape"].is_array() || arch["input_shape"].size() != 3)
            return badInput("'" + where + "': the architecture needs input_shape [C, H, W].", where);
        {
            // input_shape is checked element by element like any other integer.
            const json dims = {{"c", arch["input_shape"][0]}, {"h", arch["input_shape"][1]}, {"w", arch["input_shape"][2]}};
            const Fields f(dims, "'" + where + "': input_shape", "input_shape");
            SS_RETURN_IF_ERROR(f.integer("c", &m.input.c, INT32_MIN, kMaxExtent));
            SS_RETURN_IF_ERROR(f.integer("h", &m.input.h, INT32_MIN, kMaxExtent));
            SS_RETURN_IF_ERROR(f.integer("w", &m.input.w, INT32_MIN, kMaxExtent));
        }
        if (arch.contains("classes")) {
            const auto& c = arch["classes"];
            if (!c.is_array() || c.size() > size_t(kMaxUnits) || !std::all_of(c.begin(), c.end(), [](const json& v) { return v.is_string(); }))
                return badInput("'" + where + "': the architecture's classes must be a list of names.", where);
            m.classes = c.get<std::vector<std::string>>();
        }
        if (arch.contains("audio")) {
            const auto& a = arch["audio"];
            if (!a.is_object())
                return badInput("'" + where + "': the architecture's audio settings are not a JSON object.", where);
            const Fields f(a, "'" + where + "': the audio section", where);
            SS_RETURN_IF_ERROR(f.onlyKnown({"sample_rate", "clip_seconds", "n_mels", "n_fft", "hop_length", "f_min", "f_max", "center", "top_db"}));
            SS_RETURN_IF_ERROR(f.integer("sample_rate", &m.audio.sample_rate, kMinSampleRate, kMaxModelSampleRate));
            SS_RETURN_IF_ERROR(f.number("clip_seconds", &m.audio.clip_seconds, 0.0, kMaxModelClipSeconds));
            SS_RETURN_IF_ERROR(f.integer("n_mels", &m.audio.n_mels, 1, 1024));
            SS_RETURN_IF_ERROR(f.integer("n_fft", &m.audio.n_fft, 2, 1 << 16));
            SS_RETURN_IF_ERROR(f.integer("hop_length", &m.audio.hop_length, 1, 1 << 20));
            SS_RETURN_IF_ERROR(f.number("f_min", &m.audio.f_min, 0.0, 1e6));
            SS_RETURN_IF_ERROR(f.number("f_max", &m.audio.f_max, 0.0, 1e6));
            SS_RETURN_IF_ERROR(f.boolean("center", &m.audio.center));
            SS_RETURN_IF_ERROR(f.number("top_db", &m.audio.top_db, 0.0, 1e4));
        }
        // The rest (band limits below Nyquist, frames x bands within limits) is the front end's check.
        if (Status s = checkAudioSettings(m.audio); !s)
            return badInput("'" + where + "': " + s.message(), where);
        if (arch.contains("info")) {
            if (!arch["info"].is_object())
                return badInput("'" + where + "': the architecture's info is not a JSON object.", where);
            for (auto it = arch["info"].begin(); it != arch["info"].end(); ++it)
                m.info[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
        }
        if (!arch.contains("layers") || !arch["layers"].is_array() || arch["layers"].empty())
            return badInput("'" + where + "': the architecture has no layers.", where);
        if (arch["layers"].size() > 10000)
            return badInput("'" + where + "': the architecture has " + std::to_string(arch["layers"].size()) +
                                " layers; SparseScope reads at most 10000.", where);
        int i = 0;
        std::set<std::string> names;
        for (const auto& lj : arch["layers"]) {
            auto L = layerFromJson(lj, i++, where);
            if (!L)
                return Error{L.error().code, "'" + where + "': " + L.message(), L.error().where};
            if (!names.insert(L->name).second)
                return badInput("Layer name '" + L->name + "' appears twice in the architecture.", L->name);
            m.layers.push_back(std::move(*L));
        }
    } catch (const std::exception& e) {
        return badInput("'" + where + "': the architecture JSON is malformed (" + printable(e.what()) + ").", where);
    }
    if (auto s = m.inferShapes(); !s)
        return badInput("'" + where + "': " + s.message(), s.error().where);

    auto& T = st.tensors;
    for (auto& L : m.layers) {
        const std::string& n = L.name;
        switch (L.kind) {
        case LayerKind::Conv2d:
        case LayerKind::Linear: {
            const Shape ws = L.kind == LayerKind::Conv2d
                                 ? Shape{L.out_channels, L.in_channels, L.kernel_h, L.kernel_w}
                                 : Shape{L.out_features, L.in_features};
            SS_TRY(takeTensor(T, n + ".weight", ws, true, &L.weight, n));
            SS_TRY(takeTensor(T, n + ".bias", {L.outputs()}, false, &L.bias, n));
            SS_TRY(takeTensor(T, n + ".weight_mask", ws, L.weight_density < 1.0, &L.mask, n));
            break;
        }
        case LayerKind::BatchNorm:
            SS_TRY(takeTensor(T, n + ".running_mean", {L.num_features}, true, &L.running_mean, n));
            SS_TRY(takeTensor(T, n + ".running_var", {L.num_features}, true, &L.running_var, n));
            SS_TRY(takeTensor(T, n + ".weight", {L.num_features}, L.affine, &L.bn_weight, n));
            SS_TRY(takeTensor(T, n + ".bias", {L.num_features}, L.affine, &L.bn_bias, n));
            T.erase(n + ".num_batches_tracked");
            break;
        case LayerKind::KWinners:
        case LayerKind::KWinners2d: {
            const Shape ds = L.kind == LayerKind::KWinners2d ? Shape{1, L.in_shape.c, 1, 1} : Shape{L.in_shape.size()};
            if (T.count(n + ".duty_cycle") && !T.count(n + ".duty_cycles")) { // nupic.torch's spelling
                T[n + ".duty_cycles"] = std::move(T[n + ".duty_cycle"]);
                T.erase(n + ".duty_cycle");
            }
            SS_TRY(takeTensor(T, n + ".duty_cycles", ds, L.boost_strength > 0, &L.duty_cycles, n, true));
            T.erase(n + ".boost_strength"); // nupic.torch keeps it as a buffer too; the header is authoritative
            if (L.kind == LayerKind::KWinners2d && L.num_features == 0)
                L.num_features = L.in_shape.c;
            if (L.kind == LayerKind::KWinners && L.num_features == 0)
                L.num_features = int(L.in_shape.size());
            break;
        }
        default:
            break;
        }
    }
    if (!T.empty())
        return badInput("Tensor '" + T.begin()->first + "' in '" + where + "' belongs to no layer of the architecture.", T.begin()->first);
    if (auto s = validateModel(m); !s)
        return s.error();
    return m;
}

Result<Model> loadModel(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return badInput("Model file '" + path + "' does not exist or is not a file.", path);
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return badInput("Model file '" + path + "' cannot be opened.", path);
    const uint64_t file_size = std::filesystem::file_size(path, ec);
    if (ec)
        return badInput("Model file '" + path + "' cannot be read (" + ec.message() + ").", path);
    // The header first: its length, then the tensor data it declares. Only what the header
    // declares is read, so a huge file (or one with garbage after the data) costs its header,
    // and nothing is allocated for data beyond kMaxModelData.
    std::vector<uint8_t> bytes(size_t(std::min<uint64_t>(file_size, 8)));
    f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
    if (bytes.size() == 8) {
        uint64_t hlen = 0;
        for (int i = 7; i >= 0; --i)
            hlen = (hlen << 8) | bytes[size_t(i)];
        if (hlen <= kMaxHeader && hlen <= file_size - 8) {
            bytes.resize(size_t(8 + hlen));
            f.read(reinterpret_cast<char*>(bytes.data() + 8), std::streamsize(hlen));
            uint64_t data_end = 0;
            const std::string_view header_text(reinterpret_cast<const char*>(bytes.data()) + 8, size_t(hlen));
            if (checkJsonDepth(header_text, "header", path)) {
                const json header = json::parse(header_text, nullptr, /*allow_exceptions=*/false);
                if (header.is_object())
                    for (const auto& [name, t] : header.items())
                        if (name != "__metadata__" && t.is_object() && t.contains("data_offsets") && t["data_offsets"].is_array() &&
                            t["data_offsets"].size() == 2 && t["data_offsets"][1].is_number_unsigned())
                            data_end = std::max(data_end, t["data_offsets"][1].get<uint64_t>());
            }
            if (data_end > kMaxModelData)
                return badInput("Model file '" + path + "' declares " + std::to_string(data_end >> 20) + " MiB of tensor data, more than the " +
                                    std::to_string(kMaxModelData >> 20) + " MiB SparseScope reads; it is not a keyword-spotting model.", path);
            const uint64_t want = std::min<uint64_t>(file_size - 8 - hlen, data_end);
            bytes.resize(size_t(8 + hlen + want));
            f.read(reinterpret_cast<char*>(bytes.data() + 8 + hlen), std::streamsize(want));
        }
    }
    if (!f)
        return badInput("Model file '" + path + "' could not be read to its end.", path);
    return modelFromBytes(bytes, path);
}

std::vector<uint8_t> modelToBytes(const Model& model)
{
    SafeTensors st;
    json arch = {{"format", "sparsescope-model"}, {"format_version", kFormatVersion}, {"name", model.name},
                 {"input_shape", {model.input.c, model.input.h, model.input.w}}, {"classes", model.classes}};
    const auto& a = model.audio;
    arch["audio"] = {{"sample_rate", a.sample_rate}, {"clip_seconds", a.clip_seconds}, {"n_mels", a.n_mels},
                     {"n_fft", a.n_fft}, {"hop_length", a.hop_length}, {"f_min", a.f_min}, {"f_max", a.f_max},
                     {"center", a.center}, {"top_db", a.top_db}};
    json info = json::object();
    for (const auto& [k, v] : model.info)
        info[k] = v;
    arch["info"] = info;
    json layers = json::array();
    for (const auto& L : model.layers) {
        layers.push_back(layerToJson(L));
        const std::string& n = L.name;
        if (L.hasWeights()) {
            st.tensors[n + ".weight"] = L.weight;
            if (!L.bias.empty()) st.tensors[n + ".bias"] = L.bias;
            if (!L.mask.empty()) st.tensors[n + ".weight_mask"] = L.mask;
        } else if (L.kind == LayerKind::BatchNorm) {
            st.tensors[n + ".running_mean"] = L.running_mean;
            st.tensors[n + ".running_var"] = L.running_var;
            if (L.affine) {
                st.tensors[n + ".weight"] = L.bn_weight;
                st.tensors[n + ".bias"] = L.bn_bias;
            }
        } else if ((L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) && !L.duty_cycles.empty()) {
            st.tensors[n + ".duty_cycles"] = L.duty_cycles;
        }
    }
    arch["layers"] = layers;
    st.metadata["sparsescope"] = arch.dump();
    st.metadata["format"] = "pt"; // lets safetensors' own tools recognise PyTorch-style names
    return serializeSafeTensors(st);
}

Status saveModel(const Model& model, const std::string& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return badInput("Cannot write the model to '" + path + "': it is a folder.", path);
    if (Status s = checkOutputTarget(path); !s)
        return s;
    const auto bytes = modelToBytes(model);
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            return badInput("Cannot write '" + path + "': the folder does not exist or is not writable.", path);
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        f.close();
        if (!f) {
            std::remove(tmp.c_str());
            return runtimeError("Writing '" + path + "' failed (disk full?).", path);
        }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return runtimeError("Cannot move the new model into place at '" + path + "': " + ec.message() + ".", path);
    }
    return Status::ok();
}

} // namespace ss
