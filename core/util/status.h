// Errors as values (STYLE.md practice 9): core never throws across its API.
// A Status carries a code, one user-facing sentence and where it happened.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ss {

enum class ErrorCode {
    BadInput,   // the user's file, flag or data is wrong -> CLI exit 2
    Runtime,    // something failed while running -> CLI exit 1
    Unsupported // asked for something this build/device cannot do -> exit 2
};

struct Error {
    ErrorCode code = ErrorCode::BadInput;
    std::string message; // one sentence, ends with a full stop
    std::string where;   // file, tensor or layer the sentence is about (may be empty)
};

class Status {
public:
    Status() = default;
    Status(Error e) : error_(std::move(e)) {} // NOLINT(google-explicit-constructor)
    static Status ok() { return {}; }
    bool isOk() const { return !error_.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Error& error() const { return *error_; }
    const std::string& message() const { return error_->message; }

private:
    std::optional<Error> error_;
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {} // NOLINT(google-explicit-constructor)
    Result(Error e) : v_(std::move(e)) {}     // NOLINT(google-explicit-constructor)
    Result(Status s) : v_(s.error()) {}       // NOLINT: only from a failed Status
    bool isOk() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return isOk(); }
    T& value() { return std::get<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<Error>(v_); }
    const std::string& message() const { return error().message; }
    Status status() const { return isOk() ? Status::ok() : Status(error()); }

private:
    std::variant<T, Error> v_;
};

inline Error badInput(std::string message, std::string where = {})
{
    return Error{ErrorCode::BadInput, std::move(message), std::move(where)};
}
inline Error runtimeError(std::string message, std::string where = {})
{
    return Error{ErrorCode::Runtime, std::move(message), std::move(where)};
}
inline Error unsupported(std::string message, std::string where = {})
{
    return Error{ErrorCode::Unsupported, std::move(message), std::move(where)};
}

} // namespace ss
