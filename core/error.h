// One error type for all of VirtLab (after crun's libcrun_error_t): a kind that decides the
// exit status, the saved errno where a system call failed, and a message that each layer
// prefixes with its own context ("container run: mount /proc: Permission denied").
#pragma once

#include <stdexcept>
#include <string>

namespace vl {

class Error : public std::runtime_error {
public:
    enum class Kind {
        Input,   // bad usage or bad input (a file, an option): exit status 2
        Guest,   // the guest, container or check failed: exit status 1
        System,  // the host refused something VirtLab needed: exit status 1
    };

    Error(Kind kind, const std::string& message, int errnum = 0);

    Kind kind() const { return kind_; }
    int errnum() const { return errnum_; }
    int exitStatus() const { return kind_ == Kind::Input ? 2 : 1; }

    // The same error with "context: " in front, for a caller that knows more about where.
    Error wrapped(const std::string& context) const;

private:
    Kind kind_;
    int errnum_;
};

// "FILE:LINE: reason" style bad input; line 0 leaves the line out.
[[noreturn]] void throwInput(const std::string& message);
[[noreturn]] void throwInputAt(const std::string& file, long line, const std::string& reason);
[[noreturn]] void throwGuest(const std::string& message);
// Reads errno first thing, then throws "context: strerror(errno)".
[[noreturn]] void throwErrno(const std::string& context);
[[noreturn]] void throwSystem(const std::string& context, int errnum);

}  // namespace vl
