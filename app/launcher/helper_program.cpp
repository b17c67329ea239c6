#include "app/launcher/helper_program.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace vl::launcher {

std::vector<std::string> helperProgramCandidates(const std::string& self, const std::string& name) {
    const std::filesystem::path dir = std::filesystem::path(self).parent_path();
    return {(dir / name).string(), (dir / VIRTLAB_LIBEXEC_RELATIVE / name).lexically_normal().string(),
            std::string(VIRTLAB_LIBEXEC_INSTALLED) + "/" + name};
}

int execHelperProgram(const std::string& name, const char* what, char** argv) {
    std::error_code error;
    const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) {
        std::fprintf(stderr, "virtlab: cannot find my own path (/proc/self/exe): %s\n", error.message().c_str());
        return 1;
    }
    ::setenv("VIRTLAB_FRONT_END", self.c_str(), 1);
    std::string tried;
    for (const std::string& candidate : helperProgramCandidates(self, name)) {
        ::execv(candidate.c_str(), argv);
        // Only a missing program moves on; one that exists but cannot run is reported as is.
        if (errno != ENOENT && errno != ENOTDIR) {
            std::fprintf(stderr, "virtlab: cannot run %s: %s\n", candidate.c_str(), std::strerror(errno));
            return 1;
        }
        tried += (tried.empty() ? "" : ", ") + candidate;
    }
    std::fprintf(stderr, "virtlab: %s (%s) is not installed: tried %s\n", name.c_str(), what, tried.c_str());
    return 1;
}

}  // namespace vl::launcher
