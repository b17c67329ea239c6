#include "core/temp_dir.h"

#include <cstdlib>
#include <vector>

#include "core/error.h"
#include "core/remove_tree.h"

namespace vl {

TempDir::TempDir(const std::string& prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throwErrno("mkdtemp " + pattern);
    path_ = buf.data();
}

TempDir::~TempDir() {
    // Never throws; a failure here leaves only a temporary directory (and never follows a mount).
    removeTreeOnOneFileSystem(path_);
}

}  // namespace vl
