#include "core/error.h"

#include <cerrno>
#include <cstring>

namespace vl {

Error::Error(Kind kind, const std::string& message, int errnum)
    : std::runtime_error(message), kind_(kind), errnum_(errnum) {}

Error Error::wrapped(const std::string& context) const {
    return Error(kind_, context + ": " + what(), errnum_);
}

void throwInput(const std::string& message) { throw Error(Error::Kind::Input, message); }

void throwInputAt(const std::string& file, long line, const std::string& reason) {
    std::string where = file;
    if (line > 0) where += ":" + std::to_string(line);
    throw Error(Error::Kind::Input, where + ": " + reason);
}

void throwGuest(const std::string& message) { throw Error(Error::Kind::Guest, message); }

void throwErrno(const std::string& context) {
    const int saved = errno;  // before anything else can overwrite it
    throwSystem(context, saved);
}

void throwSystem(const std::string& context, int errnum) {
    throw Error(Error::Kind::System, context + ": " + std::strerror(errnum), errnum);
}

}  // namespace vl
