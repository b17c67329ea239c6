#include "core/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/error.h"

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
    std::error_code ec;  // a destructor must not throw; a failure here leaves only a temp dir
    std::filesystem::remove_all(path_, ec);
}

}  // namespace vl
