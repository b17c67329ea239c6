#include "emulator/nasm_assembler.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "core/temp_dir.h"

extern char** environ;

namespace vl::emu {
namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// NASM reports "FILE:LINE: error: REASON" (and "FILE:LINE: fatal: ..."). The first error is
// the one to show; later ones are usually consequences of it.
[[noreturn]] void throwFirstNasmError(const std::string& diagnostics, const std::string& source_path) {
    static const std::regex line_re(R"(^(.*?):(\d+): (?:error|fatal): (.*)$)");
    std::istringstream lines(diagnostics);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (std::regex_match(line, m, line_re)) throwInputAt(m[1].str(), std::stol(m[2].str()), m[3].str());
    }
    for (std::istringstream again(diagnostics); std::getline(again, line);)
        if (line.find("error") != std::string::npos || line.find("fatal") != std::string::npos)
            throwInputAt(source_path, 0, "nasm: " + line);
    throwInputAt(source_path, 0, "nasm failed: " + (diagnostics.empty() ? std::string("no message") : diagnostics));
}

}  // namespace

std::string nasmExecutable() {
    if (const char* env = std::getenv("VIRTLAB_NASM"); env && *env) return env;
#ifdef VIRTLAB_NASM_PATH
    if (std::filesystem::exists(VIRTLAB_NASM_PATH)) return VIRTLAB_NASM_PATH;
#endif
    return "nasm";
}

std::vector<uint8_t> assembleNasm(const std::string& source_path) {
    if (!std::filesystem::is_regular_file(source_path)) throwInputAt(source_path, 0, "no such file");
    TempDir dir("virtlab-nasm");
    const std::string output = dir.path() + "/out.bin";
    const std::string diagnostics = dir.path() + "/nasm.err";
    // -I lets a program %include files beside it; the trailing slash is what NASM wants.
    // `-f bin` starts in 16-bit mode, a trap for anyone writing i386 code; --before makes
    // 32-bit the default without shifting NASM's line numbers (a `bits` line still wins).
    const std::string include_dir = std::filesystem::absolute(source_path).parent_path().string() + "/";
    const std::string nasm = nasmExecutable();
    std::vector<std::string> argv{nasm, "-f", "bin", "--before", "bits 32", "-I", include_dir, "-o", output, source_path};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, diagnostics.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, nasm.c_str(), &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throwSystem("cannot run " + nasm + " (install the nasm package)", rc);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throwErrno("waitpid nasm");

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throwFirstNasmError(readAll(diagnostics), source_path);
    const std::string bytes = readAll(output);
    if (bytes.empty()) throwInputAt(source_path, 0, "assembles to nothing (no instructions)");
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace vl::emu
