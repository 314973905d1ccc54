#include "state_dict_writer.h"

#include <c10/util/Half.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>
#include <exception>
#include <fstream>

namespace sstest {

namespace {

enum class Kind { F32, F16, I64 };

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Kind kindOf(const std::string& key)
{
    if (endsWith(key, ".zero_mask"))
        return Kind::F16;
    if (endsWith(key, ".num_batches_tracked"))
        return Kind::I64;
    return Kind::F32;
}

at::Tensor toTorch(const std::string& key, const ss::Tensor& t)
{
    at::Tensor a = at::empty(std::vector<int64_t>(t.shape.begin(), t.shape.end()), at::kFloat);
    std::memcpy(a.data_ptr<float>(), t.data.data(), t.data.size() * sizeof(float));
    switch (kindOf(key)) {
    case Kind::F16:
        return a.to(at::kHalf);
    case Kind::I64:
        return a.to(at::kLong);
    default:
        return a;
    }
}

// A hand-assembled protocol-2 pickle, the opcodes Python's pickle module emits for a state dict.
struct Pickle {
    std::string b;
    int memo = 0;
    void op(char c) { b.push_back(c); }
    void str(const std::string& s)
    {
        op('X');
        const uint32_t n = uint32_t(s.size());
        b.append(reinterpret_cast<const char*>(&n), 4);
        b += s;
    }
    void global(const std::string& module, const std::string& name)
    {
        op('c');
        b += module + "\n" + name + "\n";
    }
    void put()
    {
        op('q');
        b.push_back(char(memo++));
    }
    void get(int k)
    {
        op('h');
        b.push_back(char(k));
    }
    void integer(int64_t v)
    {
        if (v >= 0 && v < 256) {
            op('K');
            b.push_back(char(v));
        } else {
            op('J');
            const int32_t x = int32_t(v);
            b.append(reinterpret_cast<const char*>(&x), 4);
        }
    }
    void ints(const std::vector<int64_t>& v)
    {
        if (v.empty()) {
            op(')');
            return;
        }
        op('(');
        for (int64_t x : v)
            integer(x);
        op('t');
    }
};

struct Storage {
    std::string key;
    std::string bytes;
    int64_t numel = 0;
    size_t elem = 4;
};

// The main pickle of a state dict, plus the storages it refers to. legacy = 6-tuple persistent ids.
std::string stateDictPickle(const Tensors& tensors, bool views, bool legacy, std::vector<Storage>* storages)
{
    Pickle p;
    p.op('\x80');
    p.b.push_back(2);
    p.global("collections", "OrderedDict");
    const int od = p.memo;
    p.put();
    p.op(')');
    p.op('R');
    p.put();
    p.op('(');
    int rebuild = -1;
    for (const auto& [key, t] : tensors) {
        const Kind kind = kindOf(key);
        Storage st;
        st.key = std::to_string(storages->size());
        st.elem = kind == Kind::F16 ? 2 : kind == Kind::I64 ? 8 : 4;
        std::vector<int64_t> shape(t.shape.begin(), t.shape.end()), strides(shape.size(), 1);
        for (size_t d = shape.size(); d-- > 1;)
            strides[d - 1] = strides[d] * shape[d];
        std::vector<float> data = t.data;
        int64_t offset = 0;
        if (views && (endsWith(key, ".duty_cycle") || endsWith(key, ".duty_cycles"))) {
            offset = 3; // three unrelated values first: the tensor is a view at an offset
            data.insert(data.begin(), { 7.0f, 8.0f, 9.0f });
        } else if (views && shape.size() == 2 && kind == Kind::F32) {
            const int64_t M = shape[0], N = shape[1]; // column-major storage, strides (1, M)
            for (int64_t i = 0; i < M; ++i)
                for (int64_t j = 0; j < N; ++j)
                    data[size_t(j * M + i)] = t.data[size_t(i * N + j)];
            strides = { 1, M };
        }
        st.numel = int64_t(data.size());
        for (float v : data) {
            if (kind == Kind::F16) {
                const c10::Half h(v);
                st.bytes.append(reinterpret_cast<const char*>(&h), 2);
            } else if (kind == Kind::I64) {
                const int64_t x = int64_t(v);
                st.bytes.append(reinterpret_cast<const char*>(&x), 8);
            } else {
                st.bytes.append(reinterpret_cast<const char*>(&v), 4);
            }
        }
        p.str(key);
        p.put();
        if (rebuild < 0) {
            p.global("torch._utils", "_rebuild_tensor_v2");
            rebuild = p.memo;
            p.put();
        } else {
            p.get(rebuild);
        }
        p.op('(');
        p.op('(');
        p.str("storage");
        p.global("torch", kind == Kind::F16 ? "HalfStorage" : kind == Kind::I64 ? "LongStorage" : "FloatStorage");
        p.str(st.key);
        p.str("cpu");
        p.integer(st.numel);
        if (legacy)
            p.op('N'); // view_metadata
        p.op('t');
        p.op('Q');
        p.integer(offset);
        p.ints(shape);
        p.ints(strides);
        p.op('\x89'); // requires_grad = False
        p.get(od); // backward_hooks = OrderedDict()
        p.op(')');
        p.op('R');
        p.op('t');
        p.op('R');
        p.put();
        storages->push_back(std::move(st));
    }
    p.op('u');
    // state_dict()._metadata, set through BUILD as Python's OrderedDict.__reduce__ does
    p.op('}');
    p.str("_metadata");
    p.get(od);
    p.op(')');
    p.op('R');
    p.op('(');
    p.str("");
    p.op('}');
    p.str("version");
    p.integer(1);
    p.op('s');
    p.op('u');
    p.op('s');
    p.op('b');
    p.op('.');
    return p.b;
}

bool writeBytes(const std::string& path, const std::string& bytes, std::string* error)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    f.close();
    if (!f)
        *error = "cannot write " + path;
    return bool(f);
}

} // namespace

bool writeWithPickleSave(const std::string& path, const Tensors& tensors, std::string* error)
{
    try {
        c10::Dict<std::string, at::Tensor> d;
        for (const auto& [k, t] : tensors)
            d.insert(k, toTorch(k, t));
        const std::vector<char> bytes = torch::pickle_save(c10::IValue(d));
        return writeBytes(path, std::string(bytes.begin(), bytes.end()), error);
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
}

bool writePythonStyle(const std::string& path, const Tensors& tensors, bool views, std::string* error)
{
    try {
        std::vector<Storage> storages;
        const std::string pkl = stateDictPickle(tensors, views, false, &storages);
        caffe2::serialize::PyTorchStreamWriter w(path);
        w.writeRecord("data.pkl", pkl.data(), pkl.size());
        for (const auto& st : storages)
            w.writeRecord("data/" + st.key, st.bytes.data(), st.bytes.size());
        w.writeRecord("version", "3\n", 2);
        w.writeEndOfFile();
        return true;
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
}

bool writeLegacy(const std::string& path, const Tensors& tensors, std::string* error)
{
    std::string out;
    // magic number 0x1950a86a20f9469cfc6c as LONG1, protocol version 1001, system info
    out += std::string("\x80\x02\x8a\x0a", 4);
    const unsigned char magic[10] = { 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };
    out.append(reinterpret_cast<const char*>(magic), 10);
    out += '.';
    out += std::string("\x80\x02M\xe9\x03.", 6);
    Pickle info;
    info.op('\x80');
    info.b.push_back(2);
    info.op('}');
    info.op('(');
    info.str("protocol_version");
    info.integer(1001);
    info.str("little_endian");
    info.op('\x88');
    info.op('u');
    info.op('.');
    out += info.b;
    std::vector<Storage> storages;
    out += stateDictPickle(tensors, false, true, &storages);
    Pickle keys;
    keys.op('\x80');
    keys.b.push_back(2);
    keys.op(']');
    keys.op('(');
    for (const auto& st : storages)
        keys.str(st.key);
    keys.op('e');
    keys.op('.');
    out += keys.b;
    for (const auto& st : storages) {
        out.append(reinterpret_cast<const char*>(&st.numel), 8);
        out += st.bytes;
    }
    return writeBytes(path, out, error);
}

bool writeCheckpoint(const std::string& path, const Tensors& tensors, std::string* error)
{
    try {
        c10::Dict<std::string, at::Tensor> sd;
        for (const auto& [k, t] : tensors)
            sd.insert(k, toTorch(k, t));
        c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
        d.insert(std::string("epoch"), int64_t(3));
        d.insert(std::string("state_dict"), sd);
        const std::vector<char> bytes = torch::pickle_save(c10::IValue(d));
        return writeBytes(path, std::string(bytes.begin(), bytes.end()), error);
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
}

bool writeNotAStateDict(const std::string& path, const std::string& what, std::string* error)
{
    try {
        c10::IValue v;
        if (what == "list") {
            c10::List<at::Tensor> l;
            l.push_back(torch::ones({ 2 }));
            v = l;
        } else if (what == "int") {
            v = int64_t(42);
        } else {
            c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
            d.insert(std::string("cnn1.weight"), torch::ones({ 2 }));
            d.insert(std::string("epoch"), int64_t(3));
            v = d;
        }
        const std::vector<char> bytes = torch::pickle_save(v);
        return writeBytes(path, std::string(bytes.begin(), bytes.end()), error);
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
}

} // namespace sstest
