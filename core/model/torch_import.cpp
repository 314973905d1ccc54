// PyTorch state_dict -> Model. See torch_import.h for what is read and why our own unpickler.
#include "model/torch_import.h"

#include "audio/melspec.h"
#include "model/model_io.h"
#include "util/text.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Exception.h>
#include <c10/util/Half.h>
#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ss {

namespace {

// ---- A restricted unpickler: the subset of the pickle protocol torch.save uses -----------------

// Thrown inside this file only; readStateDict() turns it into one sentence.
struct PickleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
    enum Kind { None, Bool, Int, BigInt, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, TensorRef, Object };
    Kind kind = None;
    int64_t i = 0;
    double f = 0;
    std::string s, s2; // Str/Bytes/BigInt bytes; Global: module (s) and name (s2); Object: its type
    std::vector<ValuePtr> items; // Tuple/List elements; Dict: key, value, key, value, ...
    // Storage
    std::string key, dtype;
    int64_t numel = 0;
    // TensorRef
    ValuePtr storage;
    int64_t offset = 0;
    std::vector<int64_t> sizes, strides;
};

ValuePtr make(Value::Kind k)
{
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
}

const char* kindName(const Value& v)
{
    switch (v.kind) {
    case Value::None:
        return "None";
    case Value::Bool:
        return "a bool";
    case Value::Int:
    case Value::BigInt:
        return "an integer";
    case Value::Float:
        return "a float";
    case Value::Str:
        return "a string";
    case Value::Bytes:
        return "bytes";
    case Value::Tuple:
        return "a tuple";
    case Value::List:
        return "a list";
    case Value::Dict:
        return "a dict";
    case Value::Global:
        return "a Python class or function";
    case Value::Storage:
        return "a storage";
    case Value::TensorRef:
        return "a tensor";
    case Value::Object:
        return "a Python object";
    }
    return "something unknown";
}

int64_t asInt(const ValuePtr& v, const char* what)
{
    if (!v || (v->kind != Value::Int && v->kind != Value::Bool))
        throw PickleError(std::string("expected an integer for ") + what);
    return v->i;
}

std::vector<int64_t> asInts(const ValuePtr& v, const char* what)
{
    if (!v || (v->kind != Value::Tuple && v->kind != Value::List))
        throw PickleError(std::string("expected a tuple of integers for ") + what);
    std::vector<int64_t> out;
    for (const auto& e : v->items)
        out.push_back(asInt(e, what));
    return out;
}

// Storage classes a tensor can be pickled with -> our dtype names.
const std::map<std::string, std::string>& storageTypes()
{
    static const std::map<std::string, std::string> m = { { "FloatStorage", "f32" }, { "DoubleStorage", "f64" },
        { "HalfStorage", "f16" }, { "BFloat16Storage", "bf16" }, { "LongStorage", "i64" }, { "IntStorage", "i32" },
        { "ShortStorage", "i16" }, { "CharStorage", "i8" }, { "ByteStorage", "u8" }, { "BoolStorage", "bool" } };
    return m;
}

size_t elementSize(const std::string& dtype)
{
    if (dtype == "f64" || dtype == "i64")
        return 8;
    if (dtype == "f32" || dtype == "i32")
        return 4;
    if (dtype == "f16" || dtype == "bf16" || dtype == "i16")
        return 2;
    return 1;
}

class Unpickler {
public:
    // persistent(pid) resolves BINPERSID ids (storages).
    Unpickler(const uint8_t* data, size_t size, std::function<ValuePtr(const ValuePtr&)> persistent)
        : p_(data)
        , end_(data + size)
        , begin_(data)
        , persistent_(std::move(persistent))
    {
    }
    size_t consumed() const { return size_t(p_ - begin_); }

    ValuePtr load()
    {
        stack_.clear();
        marks_.clear();
        memo_.clear();
        for (;;) {
            const uint8_t op = u8();
            switch (op) {
            case 0x80: // PROTO
                u8();
                break;
            case 0x95: // FRAME (protocol 4)
                bytes(8);
                break;
            case '.': // STOP
                if (stack_.size() != 1)
                    throw PickleError("malformed pickle (stack not balanced at STOP)");
                return pop();
            case '(': // MARK
                marks_.push_back(stack_.size());
                break;
            case '0': // POP
                pop();
                break;
            case '1': // POP_MARK
                popMark();
                break;
            case '2': // DUP
                push(top());
                break;
            case 'N':
                push(make(Value::None));
                break;
            case 0x88: // NEWTRUE
                pushBool(true);
                break;
            case 0x89: // NEWFALSE
                pushBool(false);
                break;
            case 'J': // BININT
                pushInt(int32_t(le(4)));
                break;
            case 'K': // BININT1
                pushInt(int64_t(le(1)));
                break;
            case 'M': // BININT2
                pushInt(int64_t(le(2)));
                break;
            case 0x8a: // LONG1
                long1(u8());
                break;
            case 0x8b: // LONG4
                long1(size_t(le(4)));
                break;
            case 'I': // INT (protocol 0, also True/False)
                textInt();
                break;
            case 'G': { // BINFLOAT (big-endian double)
                uint64_t b = 0;
                for (int k = 0; k < 8; ++k)
                    b = (b << 8) | u8();
                auto v = make(Value::Float);
                std::memcpy(&v->f, &b, 8);
                push(v);
                break;
            }
            case 'X': // BINUNICODE
                pushStr(Value::Str, le(4));
                break;
            case 0x8c: // SHORT_BINUNICODE
                pushStr(Value::Str, u8());
                break;
            case 0x8d: // BINUNICODE8
                pushStr(Value::Str, le(8));
                break;
            case 'T': // BINSTRING
                pushStr(Value::Str, le(4));
                break;
            case 'U': // SHORT_BINSTRING
                pushStr(Value::Str, u8());
                break;
            case 'B': // BINBYTES
                pushStr(Value::Bytes, le(4));
                break;
            case 'C': // SHORT_BINBYTES
                pushStr(Value::Bytes, u8());
                break;
            case ')': // EMPTY_TUPLE
                push(make(Value::Tuple));
                break;
            case 't': { // TUPLE
                auto v = make(Value::Tuple);
                v->items = popMark();
                push(v);
                break;
            }
            case 0x85:
                tupleN(1);
                break;
            case 0x86:
                tupleN(2);
                break;
            case 0x87:
                tupleN(3);
                break;
            case ']': // EMPTY_LIST
                push(make(Value::List));
                break;
            case 'l': { // LIST
                auto v = make(Value::List);
                v->items = popMark();
                push(v);
                break;
            }
            case 'a': { // APPEND
                auto x = pop();
                append(top(), { x });
                break;
            }
            case 'e': { // APPENDS
                auto xs = popMark();
                append(top(), xs);
                break;
            }
            case '}': // EMPTY_DICT
                push(make(Value::Dict));
                break;
            case 'd': { // DICT
                auto v = make(Value::Dict);
                v->items = popMark();
                if (v->items.size() % 2)
                    throw PickleError("malformed pickle (odd DICT)");
                push(v);
                break;
            }
            case 's': { // SETITEM
                auto val = pop();
                auto k = pop();
                setItems(top(), { k, val });
                break;
            }
            case 'u': { // SETITEMS
                auto kv = popMark();
                if (kv.size() % 2)
                    throw PickleError("malformed pickle (odd SETITEMS)");
                setItems(top(), kv);
                break;
            }
            case 'c': { // GLOBAL "module\nname\n"
                auto g = make(Value::Global);
                g->s = line();
                g->s2 = line();
                push(g);
                break;
            }
            case 0x93: { // STACK_GLOBAL
                auto name = pop(), mod = pop();
                if (mod->kind != Value::Str || name->kind != Value::Str)
                    throw PickleError("malformed pickle (STACK_GLOBAL)");
                auto g = make(Value::Global);
                g->s = mod->s;
                g->s2 = name->s;
                push(g);
                break;
            }
            case 'R': { // REDUCE
                auto args = pop();
                auto fn = pop();
                push(reduce(fn, args));
                break;
            }
            case 0x81: { // NEWOBJ cls(*args)
                auto args = pop();
                auto cls = pop();
                push(reduce(cls, args));
                break;
            }
            case 'b': { // BUILD: obj.__setstate__(state)
                pop(); // the state: OrderedDict's _metadata, a Parameter's attributes... not needed
                break;
            }
            case 'Q': { // BINPERSID
                auto pid = pop();
                push(persistent_(pid));
                break;
            }
            case 'q': // BINPUT
                memo_[le(1)] = top();
                break;
            case 'r': // LONG_BINPUT
                memo_[le(4)] = top();
                break;
            case 'p': // PUT
                memo_[std::stoull(line())] = top();
                break;
            case 0x94: // MEMOIZE
                memo_[memo_.size()] = top();
                break;
            case 'h': // BINGET
                push(memo(le(1)));
                break;
            case 'j': // LONG_BINGET
                push(memo(le(4)));
                break;
            case 'g': // GET
                push(memo(std::stoull(line())));
                break;
            default: {
                char b[64];
                std::snprintf(b, sizeof b, "unsupported pickle opcode 0x%02x at byte %zu", op, consumed() - 1);
                throw PickleError(b);
            }
            }
        }
    }

private:
    uint8_t u8()
    {
        if (p_ >= end_)
            throw PickleError("the pickle ends early");
        return *p_++;
    }
    const uint8_t* bytes(uint64_t n)
    {
        if (n > uint64_t(end_ - p_))
            throw PickleError("the pickle ends early");
        const uint8_t* b = p_;
        p_ += n;
        return b;
    }
    uint64_t le(int n)
    {
        const uint8_t* b = bytes(uint64_t(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k)
            v = (v << 8) | b[k];
        return v;
    }
    std::string line()
    {
        const uint8_t* nl = static_cast<const uint8_t*>(std::memchr(p_, '\n', size_t(end_ - p_)));
        if (!nl)
            throw PickleError("the pickle ends early");
        std::string s(reinterpret_cast<const char*>(p_), size_t(nl - p_));
        p_ = nl + 1;
        return s;
    }
    void push(ValuePtr v)
    {
        if (stack_.size() > 100000)
            throw PickleError("the pickle nests too deeply");
        stack_.push_back(std::move(v));
    }
    ValuePtr pop()
    {
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
            throw PickleError("malformed pickle (stack underflow)");
        auto v = stack_.back();
        stack_.pop_back();
        return v;
    }
    const ValuePtr& top()
    {
        if (stack_.empty())
            throw PickleError("malformed pickle (empty stack)");
        return stack_.back();
    }
    std::vector<ValuePtr> popMark()
    {
        if (marks_.empty())
            throw PickleError("malformed pickle (no MARK)");
        const size_t m = marks_.back();
        marks_.pop_back();
        std::vector<ValuePtr> out(stack_.begin() + std::ptrdiff_t(m), stack_.end());
        stack_.resize(m);
        return out;
    }
    ValuePtr memo(uint64_t k)
    {
        auto it = memo_.find(k);
        if (it == memo_.end())
            throw PickleError("malformed pickle (unknown memo entry)");
        return it->second;
    }
    void pushBool(bool b)
    {
        auto v = make(Value::Bool);
        v->i = b;
        push(v);
    }
    void pushInt(int64_t i)
    {
        auto v = make(Value::Int);
        v->i = i;
        push(v);
    }
    void long1(size_t n)
    {
        const uint8_t* b = bytes(n);
        if (n <= 8) {
            uint64_t v = 0;
            for (size_t k = n; k-- > 0;)
                v = (v << 8) | b[k];
            if (n > 0 && n < 8 && (b[n - 1] & 0x80)) // sign-extend two's complement
                v |= ~uint64_t(0) << (8 * n);
            pushInt(int64_t(v));
        } else {
            auto v = make(Value::BigInt);
            v->s.assign(reinterpret_cast<const char*>(b), n);
            push(v);
        }
    }
    void textInt()
    {
        const std::string s = line();
        if (s == "01" || s == "00")
            pushBool(s == "01");
        else
            pushInt(std::stoll(s));
    }
    void pushStr(Value::Kind k, uint64_t n)
    {
        const uint8_t* b = bytes(n);
        auto v = make(k);
        v->s.assign(reinterpret_cast<const char*>(b), size_t(n));
        push(v);
    }
    void tupleN(int n)
    {
        auto v = make(Value::Tuple);
        v->items.resize(size_t(n));
        for (int k = n - 1; k >= 0; --k)
            v->items[size_t(k)] = pop();
        push(v);
    }
    static void append(const ValuePtr& list, const std::vector<ValuePtr>& xs)
    {
        if (list->kind == Value::List)
            list->items.insert(list->items.end(), xs.begin(), xs.end());
        else if (list->kind != Value::Object)
            throw PickleError(std::string("malformed pickle (APPEND to ") + kindName(*list) + ")");
    }
    static void setItems(const ValuePtr& dict, const std::vector<ValuePtr>& kv)
    {
        if (dict->kind == Value::Object)
            return; // an object we do not model (its content is never needed)
        if (dict->kind != Value::Dict)
            throw PickleError(std::string("malformed pickle (SETITEM on ") + kindName(*dict) + ")");
        for (size_t k = 0; k + 1 < kv.size(); k += 2) {
            bool replaced = false;
            if (kv[k]->kind == Value::Str)
                for (size_t e = 0; e + 1 < dict->items.size(); e += 2)
                    if (dict->items[e]->kind == Value::Str && dict->items[e]->s == kv[k]->s) {
                        dict->items[e + 1] = kv[k + 1];
                        replaced = true;
                    }
            if (!replaced) {
                dict->items.push_back(kv[k]);
                dict->items.push_back(kv[k + 1]);
            }
        }
    }

    // Calls the few functions a state dict needs; anything else becomes an opaque object, which is
    // fine where its value is never used (e.g. inside _metadata) and refused where a tensor is needed.
    ValuePtr reduce(const ValuePtr& fn, const ValuePtr& args)
    {
        if (fn->kind != Value::Global) {
            auto o = make(Value::Object);
            o->s = "unknown";
            return o;
        }
        const std::string q = fn->s + "." + fn->s2;
        const auto& a = args->items;
        if (q == "collections.OrderedDict" || q == "builtins.dict" || q == "__builtin__.dict") {
            auto d = make(Value::Dict);
            if (!a.empty() && a[0]->kind == Value::List) // OrderedDict([(k, v), ...])
                for (const auto& pair : a[0]->items)
                    if (pair->kind == Value::Tuple && pair->items.size() == 2)
                        setItems(d, pair->items);
            return d;
        }
        if (q == "torch._utils._rebuild_tensor_v2" || q == "torch._utils._rebuild_tensor") {
            if (a.size() < 4 || a[0]->kind != Value::Storage)
                throw PickleError("a tensor without its storage");
            auto t = make(Value::TensorRef);
            t->storage = a[0];
            t->offset = asInt(a[1], "a tensor's storage offset");
            t->sizes = asInts(a[2], "a tensor's shape");
            t->strides = asInts(a[3], "a tensor's strides");
            return t;
        }
        if (q == "torch._utils._rebuild_parameter" || q == "torch._utils._rebuild_parameter_with_state"
            || q == "torch.jit._pickle.restore_type_tag") {
            if (a.empty())
                throw PickleError("malformed " + q);
            return a[0];
        }
        if (q == "torch._tensor._rebuild_from_type_v2" || q == "torch._tensor._rebuild_from_type") {
            if (a.size() < 3)
                throw PickleError("malformed " + q);
            return reduce(a[0], a[2]); // (func, new_type, args, state): the tensor is func(*args)
        }
        auto o = make(Value::Object);
        o->s = q;
        return o;
    }

    const uint8_t* p_;
    const uint8_t* end_;
    const uint8_t* begin_;
    std::function<ValuePtr(const ValuePtr&)> persistent_;
    std::vector<ValuePtr> stack_;
    std::vector<size_t> marks_;
    std::map<uint64_t, ValuePtr> memo_;
};

// ('storage', storage_type, key, location, numel[, view_metadata]) -> a Storage value.
ValuePtr storageFromPid(const ValuePtr& pid)
{
    if (pid->kind != Value::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Value::Str
        || pid->items[0]->s != "storage")
        throw PickleError("an unknown kind of persistent object (not a storage)");
    const auto& type = pid->items[1];
    if (type->kind != Value::Global || type->s != "torch")
        throw PickleError("a storage of unknown type");
    auto it = storageTypes().find(type->s2);
    if (it == storageTypes().end())
        throw PickleError("a storage of unsupported type torch." + type->s2);
    auto st = make(Value::Storage);
    st->dtype = it->second;
    const auto& key = pid->items[2];
    if (key->kind == Value::Str)
        st->key = key->s;
    else if (key->kind == Value::Int)
        st->key = std::to_string(key->i);
    else
        throw PickleError("a storage with a malformed key");
    st->numel = asInt(pid->items[4], "a storage's size");
    return st;
}

float toFloat(const uint8_t* p, const std::string& dtype)
{
    if (dtype == "f32") {
        float v;
        std::memcpy(&v, p, 4);
        return v;
    }
    if (dtype == "f64") {
        double v;
        std::memcpy(&v, p, 8);
        return float(v);
    }
    if (dtype == "f16") {
        c10::Half h;
        std::memcpy(&h, p, 2);
        return float(h);
    }
    if (dtype == "bf16") {
        c10::BFloat16 h;
        std::memcpy(&h, p, 2);
        return float(h);
    }
    if (dtype == "i64") {
        int64_t v;
        std::memcpy(&v, p, 8);
        return float(v);
    }
    if (dtype == "i32") {
        int32_t v;
        std::memcpy(&v, p, 4);
        return float(v);
    }
    if (dtype == "i16") {
        int16_t v;
        std::memcpy(&v, p, 2);
        return float(v);
    }
    if (dtype == "i8")
        return float(int8_t(*p));
    return float(*p); // u8, bool
}

// A strided view into a storage -> a contiguous float tensor. `data` holds the storage's bytes.
Tensor materialise(const Value& t, const uint8_t* data, size_t bytes, const std::string& name)
{
    const auto& st = *t.storage;
    const size_t es = elementSize(st.dtype);
    if (uint64_t(st.numel) * es > bytes)
        throw PickleError("the data of tensor '" + name + "' is shorter than its storage declares");
    if (t.sizes.size() != t.strides.size())
        throw PickleError("tensor '" + name + "' has " + std::to_string(t.sizes.size()) + " sizes but "
            + std::to_string(t.strides.size()) + " strides");
    Shape shape(t.sizes.begin(), t.sizes.end());
    int64_t n = 1, last = t.offset;
    for (size_t d = 0; d < t.sizes.size(); ++d) {
        if (t.sizes[d] < 0 || t.strides[d] < 0)
            throw PickleError("tensor '" + name + "' has a negative size or stride");
        n *= t.sizes[d];
        if (n > (int64_t(1) << 30)) // far beyond any GSC layer; refuse rather than allocate
            throw PickleError("tensor '" + name + "' is implausibly large");
        if (t.sizes[d] > 0)
            last += (t.sizes[d] - 1) * t.strides[d];
    }
    if (n > 0 && (t.offset < 0 || last >= st.numel))
        throw PickleError("tensor '" + name + "' reaches outside its storage");
    Tensor out(shape);
    std::vector<int64_t> idx(t.sizes.size(), 0);
    for (int64_t k = 0; k < n; ++k) {
        int64_t pos = t.offset;
        for (size_t d = 0; d < idx.size(); ++d)
            pos += idx[d] * t.strides[d];
        out.data[size_t(k)] = toFloat(data + size_t(pos) * es, st.dtype);
        for (size_t d = idx.size(); d-- > 0;) { // row-major increment
            if (++idx[d] < t.sizes[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}

std::string stemOf(const std::string& path)
{
    return std::filesystem::path(path).stem().string();
}

// Finds the dict of tensors: the top-level dict, or one level down under a conventional key
// (training checkpoints are often {"state_dict": ..., "optimizer": ...}).
const Value* findStateDict(const Value& top, std::string* wrapped_in)
{
    auto allTensors = [](const Value& d) {
        if (d.kind != Value::Dict || d.items.empty())
            return false;
        for (size_t k = 0; k + 1 < d.items.size(); k += 2)
            if (d.items[k]->kind != Value::Str || d.items[k + 1]->kind != Value::TensorRef)
                return false;
        return true;
    };
    if (allTensors(top))
        return &top;
    if (top.kind == Value::Dict)
        for (const char* key : { "state_dict", "model_state_dict", "model", "net", "network" })
            for (size_t k = 0; k + 1 < top.items.size(); k += 2)
                if (top.items[k]->kind == Value::Str && top.items[k]->s == key && allTensors(*top.items[k + 1])) {
                    *wrapped_in = key;
                    return top.items[k + 1].get();
                }
    return nullptr;
}

std::string describeNotStateDict(const Value& top)
{
    if (top.kind != Value::Dict)
        return std::string("holds ") + kindName(top) + (top.kind == Value::Object ? " (" + top.s + ")" : "")
            + ", not a state dict (a dict of tensor names to tensors)";
    if (top.items.empty())
        return "holds an empty dict, not a state dict";
    for (size_t k = 0; k + 1 < top.items.size(); k += 2) {
        if (top.items[k]->kind != Value::Str)
            return "holds a dict whose keys are not tensor names, not a state dict";
        if (top.items[k + 1]->kind != Value::TensorRef)
            return "holds a dict whose entry '" + top.items[k]->s + "' is " + kindName(*top.items[k + 1])
                + ", not a state dict (a dict of tensor names to tensors)";
    }
    return "is not a state dict";
}

std::vector<uint8_t> readFile(const std::string& path, bool* ok)
{
    std::ifstream f(path, std::ios::binary);
    *ok = bool(f);
    if (!f)
        return {};
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The magic number legacy (pre-1.6, or _use_new_zipfile_serialization=False) torch.save writes first.
bool isLegacyMagic(const Value& v)
{
    static const uint8_t magic[10]
        = { 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 }; // 0x1950a86a20f9469cfc6c LE
    return v.kind == Value::BigInt && v.s.size() == 10 && std::memcmp(v.s.data(), magic, 10) == 0;
}

} // namespace

Result<StateDict> readStateDict(const std::string& path)
{
    bool ok = false;
    const std::vector<uint8_t> bytes = readFile(path, &ok);
    if (!ok)
        return badInput("Cannot read '" + path + "': no such file, or not readable.", path);
    if (bytes.empty())
        return badInput("'" + path + "' is empty, not a PyTorch state dict written by torch.save.", path);
    StateDict sd;
    ValuePtr top;
    std::string wrapped;
    try {
        // Storages by key: bytes and size, filled by the container below.
        std::map<std::string, std::pair<const uint8_t*, size_t>> blobs;
        std::vector<std::pair<std::string, at::DataPtr>> owned; // zip records stay alive here
        const bool zip = bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
        if (zip) {
            sd.container = "zip (torch.save)";
            std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
            try {
                reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
            } catch (const c10::Error&) {
                return badInput("'" + path + "' is a zip file but not a PyTorch archive written by torch.save.", path);
            }
            if (!reader->hasRecord("data.pkl"))
                return badInput("'" + path
                        + "' is a PyTorch archive without data.pkl (a TorchScript module, "
                          "not a state dict written by torch.save?).",
                    path);
            auto [pkl, pkl_size] = reader->getRecord("data.pkl");
            Unpickler u(static_cast<const uint8_t*>(pkl.get()), pkl_size, [&](const ValuePtr& pid) {
                auto st = storageFromPid(pid);
                if (!blobs.count(st->key)) {
                    const std::string rec = "data/" + st->key;
                    if (!reader->hasRecord(rec))
                        throw PickleError("storage '" + rec + "' is missing from the archive");
                    auto [ptr, n] = reader->getRecord(rec);
                    blobs[st->key] = { static_cast<const uint8_t*>(ptr.get()), n };
                    owned.emplace_back(rec, std::move(ptr));
                }
                return st;
            });
            top = u.load();
        } else if (bytes[0] == 0x80) {
            // Legacy format: pickles of the magic number, protocol version and system info, then the
            // object, then the list of storage keys, then each storage as int64 numel + raw bytes.
            sd.container = "legacy torch.save";
            size_t pos = 0;
            auto next = [&](std::function<ValuePtr(const ValuePtr&)> persistent) {
                Unpickler u(bytes.data() + pos, bytes.size() - pos, std::move(persistent));
                auto v = u.load();
                pos += u.consumed();
                return v;
            };
            auto noPersistent = [](const ValuePtr&) -> ValuePtr { throw PickleError("unexpected persistent id"); };
            ValuePtr magic;
            try {
                magic = next(noPersistent);
            } catch (const PickleError&) {
                magic = nullptr;
            }
            if (!magic || !isLegacyMagic(*magic))
                return badInput("'" + path + "' is a Python pickle but not a file written by torch.save.", path);
            next(noPersistent); // protocol version
            next(noPersistent); // sys info
            std::map<std::string, ValuePtr> storages;
            top = next([&](const ValuePtr& pid) {
                auto st = storageFromPid(pid);
                auto it = storages.find(st->key);
                if (it != storages.end())
                    return it->second;
                storages[st->key] = st;
                return st;
            });
            auto keys = next(noPersistent);
            if (keys->kind != Value::List)
                throw PickleError("the list of storage keys is missing");
            for (const auto& k : keys->items) {
                if (k->kind != Value::Str)
                    throw PickleError("a malformed storage key");
                auto it = storages.find(k->s);
                if (it == storages.end())
                    throw PickleError("storage '" + k->s + "' is listed but never used");
                if (bytes.size() - pos < 8)
                    throw PickleError("the file ends inside storage '" + k->s + "'");
                int64_t n = 0;
                std::memcpy(&n, bytes.data() + pos, 8);
                pos += 8;
                const uint64_t nbytes = uint64_t(n) * elementSize(it->second->dtype);
                if (n < 0 || nbytes > bytes.size() - pos)
                    throw PickleError("the file ends inside storage '" + k->s + "'");
                blobs[k->s] = { bytes.data() + pos, size_t(nbytes) };
                pos += size_t(nbytes);
            }
        } else {
            return badInput(
                "'" + path + "' is not a PyTorch file written by torch.save (neither a zip archive nor a pickle).",
                path);
        }

        const Value* dict = findStateDict(*top, &wrapped);
        if (!dict)
            return badInput("'" + path + "' " + describeNotStateDict(*top) + ".", path);
        for (size_t k = 0; k + 1 < dict->items.size(); k += 2) {
            const std::string& name = dict->items[k]->s;
            const Value& t = *dict->items[k + 1];
            auto it = blobs.find(t.storage->key);
            if (it == blobs.end())
                throw PickleError("the data of tensor '" + name + "' is missing");
            sd.tensors.emplace_back(name, materialise(t, it->second.first, it->second.second, name));
        }
    } catch (const PickleError& e) {
        return badInput("'" + path + "' cannot be read as a torch.save file: " + e.what() + ".", path);
    } catch (const c10::Error& e) {
        std::string m = e.what_without_backtrace();
        if (auto nl = m.find('\n'); nl != std::string::npos)
            m.resize(nl);
        return badInput("'" + path + "' cannot be read as a torch.save file: " + m + ".", path);
    } catch (const std::exception& e) {
        return badInput("'" + path + "' cannot be read as a torch.save file: " + e.what() + ".", path);
    }
    if (!wrapped.empty())
        sd.container += ", state dict under '" + wrapped + "'";
    return sd;
}

// ---- state dict -> Model ----------------------------------------------------------------------

namespace {

// The key prefixes real checkpoints use for each SparseScope layer, in order of preference:
// SparseScope's own names first, then nupic.torch's GSCSparseCNN names.
std::vector<std::string> prefixesFor(const std::string& layer)
{
    if (layer == "linear1")
        return { "linear1", "linear" };
    if (layer == "linear1_bn")
        return { "linear1_bn", "linear_bn", "linear1_batchnorm", "linear_batchnorm" };
    if (layer == "linear1_kwinners")
        return { "linear1_kwinners", "linear1_kwinner", "linear_kwinner", "linear_kwinners" };
    if (layer == "cnn1_batchnorm" || layer == "cnn2_batchnorm")
        return { layer, layer.substr(0, 4) + "_bn" };
    if (layer == "cnn1_kwinner" || layer == "cnn2_kwinner")
        return { layer, layer + "s" };
    return { layer };
}

std::string joinShape(const Shape& s)
{
    return shapeToString(s);
}

class Keys {
public:
    explicit Keys(const StateDict& sd)
    {
        for (const auto& [k, t] : sd.tensors)
            map_[k] = &t;
    }
    const Tensor* get(const std::string& k) const
    {
        auto it = map_.find(k);
        return it == map_.end() ? nullptr : it->second;
    }
    bool has(const std::string& k) const { return map_.count(k) > 0; }
    // Takes the first existing key of `candidates`; remembers it as used.
    const Tensor* take(const std::vector<std::string>& candidates, std::string* found)
    {
        for (const auto& c : candidates)
            if (auto* t = get(c)) {
                used_.insert(c);
                if (found)
                    *found = c;
                return t;
            }
        return nullptr;
    }
    void ignore(const std::string& k, std::vector<std::string>* list)
    {
        if (has(k) && !used_.count(k)) {
            used_.insert(k);
            list->push_back(k);
        }
    }
    bool anyWithPrefix(const std::string& p) const
    {
        auto it = map_.lower_bound(p + ".");
        return it != map_.end() && it->first.compare(0, p.size() + 1, p + ".") == 0;
    }
    std::vector<std::string> unused(const StateDict& sd) const
    {
        std::vector<std::string> out;
        for (const auto& [k, t] : sd.tensors)
            if (!used_.count(k))
                out.push_back(k);
        return out;
    }

private:
    std::map<std::string, const Tensor*> map_;
    std::set<std::string> used_;
};

// Weight density and masks from the zeros; then the largest group size P under which every group of
// P consecutive outputs has non-overlapping masks. A layer with true group size P also passes at
// every divisor of P, and fails above P (two full partitions overlap everywhere), so the largest
// passing P is the one. Candidates stop a little above 1/density, the P a full partition would have.
void analyseMasks(Layer& L, const ImportOptions& o, ImportLayerReport* r)
{
    const int M = L.outputs(), N = L.fanIn();
    int64_t nz = 0;
    Tensor mask(L.weight.shape);
    for (size_t i = 0; i < L.weight.data.size(); ++i) {
        mask.data[i] = L.weight.data[i] != 0.0f ? 1.0f : 0.0f;
        nz += L.weight.data[i] != 0.0f;
    }
    r->density = double(nz) / double(std::max<int64_t>(1, L.weight.size()));
    r->dense = r->density >= o.dense_threshold;
    if (r->dense) {
        L.mask = Tensor();
        L.weight_density = 1.0;
        L.group_size = 1;
        r->P = r->checked_P = 1;
        return;
    }
    if (nz == 0) {
        L.mask = mask;
        L.weight_density = 1.0 / std::max(1, N); // validation wants > 0; the layer outputs its biases
        L.group_size = 1;
        return;
    }
    const int guess = std::clamp(int(std::lround(1.0 / r->density)), 2, std::max(2, M));
    const int pmax = std::min(M, guess + 2);
    ComplementarityReport best;
    int found = 1;
    for (int P = pmax; P >= 2; --P) {
        auto rep = checkComplementary(mask.ptr(), M, N, P);
        if (rep.complementary()) {
            found = P;
            best = rep;
            break;
        }
    }
    if (found == 1 && M >= 2)
        best = checkComplementary(mask.ptr(), M, N, std::min(guess, M));
    r->P = found;
    r->checked_P = found > 1 ? found : std::min(guess, M);
    r->groups = best.groups;
    r->collisions = best.collisions;
    r->uncovered = best.uncovered;
    r->bad_groups = best.bad_groups;
    r->shared_routes = found > 1 && best.shared_routes;
    L.mask = mask;
    L.group_size = found;
    L.weight_density = r->density;
}

} // namespace

Result<ImportResult> importStateDict(const std::string& path, const ImportOptions& o)
{
    auto sdr = readStateDict(path);
    if (!sdr)
        return sdr.error();
    StateDict& sd = *sdr;
    ImportResult res;
    ImportReport& rep = res.report;
    rep.file = path;
    rep.container = sd.container;
    rep.tensors = int(sd.tensors.size());

    // nn.DataParallel saves every key under "module."; strip it when all keys have it.
    if (!sd.tensors.empty() && std::all_of(sd.tensors.begin(), sd.tensors.end(), [](const auto& kv) {
            return kv.first.rfind("module.", 0) == 0;
        })) {
        for (auto& kv : sd.tensors)
            kv.first = kv.first.substr(7);
        rep.notes.push_back("Every key started with 'module.' (nn.DataParallel); it was stripped.");
    }
    Keys keys(sd);
    const std::string where = "'" + path + "'";
    auto refuse = [&](const std::string& sentence, const std::string& tensor) -> Error {
        return badInput(where + ": " + sentence, tensor);
    };

    // Widths are free parameters of GSCSparseCNN (cnn_out_channels, linear_units, classes): read them
    // from the tensors, then check every shape against the architecture they imply.
    auto weightOf = [&](const std::string& layer, std::string* key) -> const Tensor* {
        for (const auto& p : prefixesFor(layer))
            for (const auto& k : { p + ".weight", p + ".module.weight" })
                if (keys.get(k)) {
                    *key = k;
                    return keys.get(k);
                }
        return nullptr;
    };
    auto missingWeight = [&](const std::string& layer) {
        const auto ps = prefixesFor(layer);
        std::string alt;
        for (size_t i = 1; i < ps.size(); ++i)
            alt += " or '" + ps[i] + ".weight'";
        return refuse("tensor '" + layer + ".weight'" + alt + " is missing (not a state dict of the " + o.arch
                + " architecture?).",
            layer + ".weight");
    };
    std::string k1, kl, ko;
    const Tensor* w1 = weightOf("cnn1", &k1);
    if (!w1)
        return missingWeight("cnn1");
    if (w1->shape.size() != 4 || w1->shape[1] != 1 || w1->shape[2] != 5 || w1->shape[3] != 5 || w1->shape[0] < 1)
        return refuse("tensor '" + k1 + "' has shape " + joinShape(w1->shape) + " but the " + o.arch
                + " architecture needs [C, 1, 5, 5] (a 5x5 convolution of the 1-channel spectrogram).",
            k1);
    const Tensor* wl = weightOf("linear1", &kl);
    if (!wl)
        return missingWeight("linear1");
    if (wl->shape.size() != 2 || wl->shape[0] < 1)
        return refuse("tensor '" + kl + "' has shape " + joinShape(wl->shape) + " but the " + o.arch
                + " architecture needs [hidden units, " + std::to_string(w1->shape[0] * 25) + "].",
            kl);
    const Tensor* wo = weightOf("output", &ko);
    if (!wo)
        return missingWeight("output");
    if (wo->shape.size() != 2 || wo->shape[0] < 1)
        return refuse("tensor '" + ko + "' has shape " + joinShape(wo->shape) + " but the " + o.arch
                + " architecture needs [classes, " + std::to_string(wl->shape[0]) + "].",
            ko);
    const int classes = int(wo->shape[0]);
    std::vector<std::string> class_names = o.classes.empty() ? gscCommandClasses() : o.classes;
    if (int(class_names.size()) != classes)
        return refuse("tensor '" + ko + "' has " + std::to_string(classes) + " outputs but "
                + std::to_string(class_names.size())
                + (o.classes.empty() ? " GSC command classes are the default (pass --classes with one name per output)."
                                     : " class names were given."),
            ko);

    SynthOptions so;
    so.preset = o.arch;
    so.order = o.order;
    so.conv_channels = int(w1->shape[0]);
    so.hidden = int(wl->shape[0]);
    so.classes = class_names;
    so.act_density = o.act_density;
    // percent_on and k_inference_factor are constructor arguments, not state: a state dict cannot
    // tell them. k-WTA before pooling is nupic.torch's GSCSparseCNN (and GSCSuperSparseCNN, which
    // keeps its percent_on): take its defaults; otherwise the preset's.
    if (so.act_density.empty() && o.order == KwtaOrder::KwtaThenPool)
        so.act_density = { 0.095, 0.125, 0.1 };
    {
        char b[320];
        if (o.act_density.empty())
            std::snprintf(b, sizeof b,
                "k-WTA densities and the k-inference factor are not stored in a state dict: %s (k-inference "
                "factor %g) were assumed; pass --act-density and --k-inference-factor if the network differs.",
                o.order == KwtaOrder::KwtaThenPool ? "nupic.torch GSCSparseCNN's 0.095, 0.125, 0.1"
                                                   : ("the " + o.arch + " preset's").c_str(),
                o.k_inference_factor);
        else
            std::snprintf(b, sizeof b, "k-WTA densities as given; k-inference factor %g.", o.k_inference_factor);
        rep.notes.push_back(b);
    }
    if (o.boost_strength)
        so.boost_strength = *o.boost_strength;
    auto skel = synthModel(so);
    if (!skel)
        return skel.error();
    Model m = std::move(*skel);
    m.name = o.name.empty() ? stemOf(path) : o.name;
    m.info.clear();
    m.info["trained"] = "true";
    m.info["source"] = "Imported from the PyTorch state dict '" + std::filesystem::path(path).filename().string()
        + "' by sparsescope-cli import (arch " + o.arch + ").";
    if (o.audio) {
        if (auto s = checkAudioSettings(*o.audio); !s)
            return s.error();
        LogMelFrontEnd fe(*o.audio);
        if (fe.bands() != m.input.h || fe.frames() != m.input.w)
            return badInput("These audio settings give " + std::to_string(fe.bands()) + " mel bands x "
                + std::to_string(fe.frames()) + " frames, but the " + o.arch + " architecture takes "
                + std::to_string(m.input.h) + " x " + std::to_string(m.input.w) + ".");
        m.audio = *o.audio;
    }

    int wrapped = 0, plain = 0;
    bool boost_from_file = false, boost_defaulted = false;
    for (size_t li = 0; li < m.layers.size(); ++li) {
        Layer& L = m.layers[li];
        if (L.hasWeights()) {
            std::string wkey, p;
            const Tensor* w = weightOf(L.name, &wkey);
            if (!w)
                return missingWeight(L.name);
            const bool is_wrapped = wkey.size() > 14 && wkey.compare(wkey.size() - 14, 14, ".module.weight") == 0;
            p = wkey.substr(0, wkey.size() - (is_wrapped ? 14 : 7));
            (is_wrapped ? wrapped : plain)++;
            keys.take({ wkey }, nullptr);
            if (w->shape != L.weight.shape)
                return refuse("tensor '" + wkey + "' has shape " + joinShape(w->shape) + " but the " + o.arch
                        + " architecture needs " + joinShape(L.weight.shape) + " for layer " + L.name + ".",
                    wkey);
            L.weight = *w;
            const std::string base = is_wrapped ? p + ".module" : p;
            std::string bkey;
            if (const Tensor* b = keys.take({ base + ".bias", p + ".bias" }, &bkey)) {
                if (b->shape != Shape { L.outputs() })
                    return refuse("tensor '" + bkey + "' has shape " + joinShape(b->shape) + " but layer " + L.name
                            + " needs [" + std::to_string(L.outputs()) + "].",
                        bkey);
                L.bias = *b;
            } else {
                L.bias = Tensor();
            }
            ImportLayerReport lr;
            lr.layer = L.name;
            lr.source = wkey;
            lr.shape = w->shape;
            analyseMasks(L, o, &lr);
            // SparseWeights' own record of its mask: 1 where the weight is held at zero.
            if (const Tensor* zm = keys.get(p + ".zero_mask"); zm && zm->data.size() == L.weight.data.size()) {
                int64_t disagree = 0;
                for (size_t i = 0; i < zm->data.size(); ++i)
                    disagree += zm->data[i] != 0.0f && L.weight.data[i] != 0.0f;
                if (disagree)
                    rep.notes.push_back("Layer " + L.name + ": " + withThousands(disagree) + " weights are non-zero where '"
                        + p + ".zero_mask' says zero; the mask follows the weights (what PyTorch computes).");
            }
            keys.ignore(p + ".zero_mask", &rep.ignored);
            keys.ignore(p + ".zero_weights", &rep.ignored);
            rep.layers.push_back(lr);
        } else if (L.kind == LayerKind::BatchNorm) {
            std::string p;
            for (const auto& c : prefixesFor(L.name))
                if (keys.has(c + ".running_mean") || keys.has(c + ".running_var")) {
                    p = c;
                    break;
                }
            if (p.empty() && L.name == "linear1_bn") {
                // The first GSCSparseCNN had no batch norm after the linear layer.
                rep.notes.push_back(
                    "No batch norm after the linear layer in the state dict; the model has none either.");
                m.layers.erase(m.layers.begin() + std::ptrdiff_t(li));
                --li;
                continue;
            }
            if (p.empty())
                return refuse("tensor '" + L.name + ".running_mean' is missing (batch norm after "
                        + L.name.substr(0, L.name.find('_')) + ").",
                    L.name + ".running_mean");
            const Shape want { L.num_features };
            for (const char* f : { ".running_mean", ".running_var" }) {
                const Tensor* t = keys.take({ p + f }, nullptr);
                if (!t)
                    return refuse("tensor '" + p + f + "' is missing.", p + f);
                if (t->shape != want)
                    return refuse("tensor '" + p + f + "' has shape " + joinShape(t->shape) + " but the " + o.arch
                            + " architecture needs " + joinShape(want) + ".",
                        p + f);
                (std::string(f) == ".running_mean" ? L.running_mean : L.running_var) = *t;
            }
            const Tensor* g = keys.take({ p + ".weight" }, nullptr);
            const Tensor* b = keys.take({ p + ".bias" }, nullptr);
            L.affine = g || b;
            if (L.affine) {
                if (!g || !b)
                    return refuse(
                        "tensor '" + p + (g ? ".bias" : ".weight") + "' is missing (an affine batch norm has both).",
                        p + (g ? ".bias" : ".weight"));
                for (const Tensor* t : { g, b })
                    if (t->shape != want)
                        return refuse("tensor '" + p + (t == g ? ".weight" : ".bias") + "' has shape "
                                + joinShape(t->shape) + " but the " + o.arch + " architecture needs " + joinShape(want)
                                + ".",
                            p + (t == g ? ".weight" : ".bias"));
                L.bn_weight = *g;
                L.bn_bias = *b;
            }
            keys.ignore(p + ".num_batches_tracked", &rep.ignored);
        } else if (L.kind == LayerKind::KWinners || L.kind == LayerKind::KWinners2d) {
            std::string p;
            for (const auto& c : prefixesFor(L.name))
                if (keys.anyWithPrefix(c)) {
                    p = c;
                    break;
                }
            if (p.empty())
                p = L.name;
            L.k_inference_factor = o.k_inference_factor;
            L.k = L.k_inference = 0; // recomputed from percent_on by inferShapes, as nupic.torch does
            std::string bkey;
            if (const Tensor* bs = keys.take({ p + ".boost_strength" }, &bkey)) {
                if (bs->data.size() != 1)
                    return refuse("tensor '" + bkey + "' has shape " + joinShape(bs->shape)
                            + " but a boost strength is one number.",
                        bkey);
                if (!o.boost_strength) {
                    L.boost_strength = bs->data[0];
                    boost_from_file = true;
                }
            } else if (!o.boost_strength) {
                boost_defaulted = true;
            }
            std::string dkey;
            const Tensor* dc = keys.take({ p + ".duty_cycle", p + ".duty_cycles" }, &dkey);
            if (!dc) {
                if (L.boost_strength > 0)
                    return refuse(
                        "tensor '" + p + ".duty_cycle' is missing (k-WTA with boosting needs its duty cycles).",
                        p + ".duty_cycle");
                L.duty_cycles = Tensor();
            } else {
                const int64_t want = L.kind == LayerKind::KWinners2d ? int64_t(so.conv_channels) : int64_t(so.hidden);
                const bool ok = dc->size() == want
                    && (dc->shape == Shape { want }
                        || (L.kind == LayerKind::KWinners2d && dc->shape == Shape { 1, want, 1, 1 }));
                if (!ok)
                    return refuse("tensor '" + dkey + "' has shape " + joinShape(dc->shape) + " but the " + o.arch
                            + " architecture needs "
                            + (L.kind == LayerKind::KWinners2d ? "[1, " + std::to_string(want) + ", 1, 1]"
                                                               : "[" + std::to_string(want) + "]")
                            + ".",
                        dkey);
                L.duty_cycles = *dc;
            }
            keys.ignore(p + ".learning_iterations", &rep.ignored);
        }
    }
    if (boost_from_file)
        rep.notes.push_back("Boost strengths come from the state dict's *.boost_strength buffers.");
    else if (boost_defaulted)
        rep.notes.push_back("The state dict has no boost_strength buffers; boost strength "
            + std::to_string(so.boost_strength)
            + " (1.5 decayed x0.9 for 30 epochs) is assumed — pass --boost-strength to change it.");
    for (const auto& k : keys.unused(sd))
        if (k.size() > 20 && k.compare(k.size() - 20, 20, ".num_batches_tracked") == 0)
            keys.ignore(k, &rep.ignored);
    if (const auto unused = keys.unused(sd); !unused.empty())
        return refuse("tensor '" + unused.front() + "' belongs to no layer of the " + o.arch + " architecture"
                + (unused.size() > 1 ? " (nor do " + std::to_string(unused.size() - 1) + " more)" : "") + ".",
            unused.front());
    rep.naming = wrapped ? "SparseWeights-wrapped (" + std::to_string(wrapped) + " of "
            + std::to_string(wrapped + plain) + " weighted layers)"
                         : "plain";

    if (auto s = m.inferShapes(); !s)
        return s.error();
    if (auto s = validateModel(m); !s)
        return badInput(where + ": the imported model does not validate: " + s.message(), s.error().where);
    res.model = std::move(m);
    return res;
}

} // namespace ss
