// The one error convention of the project: functions that can fail return
// Result<T>; an Error carries an errno value and a human-readable message that
// grows context on its way up ("mounting /proc on /x/proc: Operation not
// permitted"). No exceptions cross module boundaries, and none are used after
// clone().
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace spawn {

class Error {
public:
    Error(int code, std::string message) : code_(code), message_(std::move(message)) {}

    // A failed system call: "<what>: <strerror(err)>".
    template <typename... Args>
    static Error sys(int err, fmt::format_string<Args...> what, Args&&... args) {
        return Error(err, fmt::format(what, std::forward<Args>(args)...) + ": " + std::strerror(err));
    }
    // Same, reading errno.
    template <typename... Args>
    static Error errno_(fmt::format_string<Args...> what, Args&&... args) {
        int err = errno;
        return sys(err, what, std::forward<Args>(args)...);
    }
    // A plain message (invalid input and the like); code defaults to EINVAL.
    template <typename... Args>
    static Error msg(fmt::format_string<Args...> what, Args&&... args) {
        return Error(EINVAL, fmt::format(what, std::forward<Args>(args)...));
    }

    // Prefix context: "<ctx>: <message>".
    Error context(std::string_view ctx) && {
        message_ = std::string(ctx) + ": " + message_;
        return std::move(*this);
    }

    int code() const { return code_; }
    const std::string& message() const { return message_; }

private:
    int code_;
    std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error err) : v_(std::in_place_index<1>, std::move(err)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

    // Adds context to the error, if any.
    Result context(std::string_view ctx) && {
        if (ok()) return std::move(*this);
        return std::move(*this).error().context(ctx);
    }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error err) : err_(std::move(err)) {}

    bool ok() const { return !err_.has_value(); }
    explicit operator bool() const { return ok(); }
    void value() const {}

    const Error& error() const& { return *err_; }
    Error&& error() && { return std::move(*err_); }

    Result context(std::string_view ctx) && {
        if (ok()) return {};
        return std::move(*err_).context(ctx);
    }

private:
    std::optional<Error> err_;
};

inline Result<void> ok() { return {}; }

}  // namespace spawn

// TRY(expr): evaluates a Result; on error returns the error from the enclosing
// function, otherwise yields the value. Works for Result<void> too.
#define TRY(expr)                                                  \
    __extension__({                                                \
        auto _try_result = (expr);                                 \
        if (!_try_result.ok()) return std::move(_try_result).error(); \
        std::move(_try_result).value();                            \
    })

// TRY_CTX(expr, ctx): as TRY, adding context to the error.
#define TRY_CTX(expr, ctx)                                                         \
    __extension__({                                                                \
        auto _try_result = (expr);                                                 \
        if (!_try_result.ok()) return std::move(_try_result).error().context(ctx); \
        std::move(_try_result).value();                                            \
    })
