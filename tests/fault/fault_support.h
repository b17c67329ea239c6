// What the fault tests share: running `virtlab` under a fault (an environment variable, or the
// vlab_fault_exec tool for the kernel-made ones), a small tmpfs the test owns, and the views of
// the host a user would take to see what a failed run left behind.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/cli_runner.h"

namespace vl::test {

// Runs `virtlab args...` with VIRTLAB_FAULT=fault in its environment (unset: fault empty).
CliResult runVirtlabWithFault(const std::string& fault, const std::vector<std::string>& args, int timeout_s = 30);

// Runs `virtlab args...` through vlab_fault_exec with the tool's options before the "--".
CliResult runVirtlabUnder(const std::vector<std::string>& tool_options, const std::vector<std::string>& args,
                          int timeout_s = 60);

// The names in the container state base (/run/virtlab as root), sorted, except net.lock (the
// network lock file stays, as /run/docker's files do); none when the base is missing.
std::vector<std::string> stateBaseEntries();
// Entries of the state base that were not in `before` and are still there after a short
// settling time, except directories whose record names a live owner (another test's run on
// this shared machine is not ours to judge). Empty: nothing was left.
std::vector<std::string> stateDirsLeftSince(const std::vector<std::string>& before);

// A tmpfs of `size` (mount(8) syntax, "1m") on a fresh temporary directory, unmounted and
// removed by the destructor on every path.
class SmallTmpfs {
public:
    explicit SmallTmpfs(const std::string& size);
    ~SmallTmpfs();
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    const std::string& path() const { return path_; }
private:
    std::string path_;
    bool mounted_ = false;
};

// Every entry below `root` by relative path: its type, mode and size, and for a file the
// SHA-256 of its bytes, for a symlink its target. Two equal snapshots mean nothing changed.
std::map<std::string, std::string> treeSnapshot(const std::string& root);

// `count` bytes that no compressor shrinks (a fixed-seed generator: the same every run).
std::string incompressibleBytes(size_t count);

void writeFile(const std::string& path, const std::string& text);

}  // namespace vl::test
