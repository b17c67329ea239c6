#include "tests/fault/fault_support.h"

#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "containers/container_state.h"
#include "containers/image/sha256.h"
#include "core/error.h"

namespace vl::test {

namespace fs = std::filesystem;

CliResult runVirtlabWithFault(const std::string& fault, const std::vector<std::string>& args, int timeout_s) {
    // The variable is this test process's only while the child is forked (it inherits a copy).
    if (!fault.empty()) ::setenv("VIRTLAB_FAULT", fault.c_str(), 1);
    CliResult result = runVirtlab(args, timeout_s);
    ::unsetenv("VIRTLAB_FAULT");
    return result;
}

CliResult runVirtlabUnder(const std::vector<std::string>& tool_options, const std::vector<std::string>& args, int timeout_s) {
    std::vector<std::string> argv{VLAB_FAULT_EXEC};
    argv.insert(argv.end(), tool_options.begin(), tool_options.end());
    argv.push_back("--");
    argv.push_back(VIRTLAB_EXE);
    argv.insert(argv.end(), args.begin(), args.end());
    return runProgram(argv, timeout_s);
}

std::vector<std::string> stateBaseEntries() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(ct::stateBase(), ec))
        if (entry.path().filename() != "net.lock") out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> stateDirsLeftSince(const std::vector<std::string>& before) {
    auto look = [&] {
        std::vector<std::string> left;
        for (const auto& name : stateBaseEntries()) {
            if (std::find(before.begin(), before.end(), name) != before.end()) continue;
            const auto record = ct::readRecord(ct::stateBase() + "/" + name);
            if (record && record->ownerAlive()) continue;
            left.push_back(name);
        }
        return left;
    };
    std::vector<std::string> left = look();
    for (int i = 0; i < 50 && !left.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        left = look();
    }
    return left;
}

SmallTmpfs::SmallTmpfs(const std::string& size) {
    // Not under a "virtlab" name: the residue checks look for that word in the mount table.
    std::string pattern = "/tmp/vlfault-XXXXXX";
    if (!::mkdtemp(pattern.data())) throwErrno("mkdtemp " + pattern);
    path_ = pattern;
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, ("size=" + size + ",mode=0700").c_str()) != 0) {
        const int saved = errno;
        ::rmdir(path_.c_str());
        throwSystem("mount tmpfs on " + path_, saved);
    }
    mounted_ = true;
}

SmallTmpfs::~SmallTmpfs() {
    // The tmpfs's content goes with it; then the empty mount point.
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
}

std::map<std::string, std::string> treeSnapshot(const std::string& root) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string path = it->path().string();
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) continue;
        std::string what = "mode " + std::to_string(st.st_mode) + " uid " + std::to_string(st.st_uid);
        if (S_ISREG(st.st_mode)) what += " size " + std::to_string(st.st_size) + " sha256 " + ct::image::sha256File(path);
        else if (S_ISLNK(st.st_mode)) what += " -> " + fs::read_symlink(it->path(), ec).string();
        out[fs::relative(it->path(), root).string()] = what;
    }
    return out;
}

std::string incompressibleBytes(size_t count) {
    std::mt19937_64 generator(20261128);
    std::string out(count, '\0');
    for (auto& c : out) c = static_cast<char>(generator());
    return out;
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    if (!file.flush()) throwSystem("write " + path, EIO);
}

}  // namespace vl::test
