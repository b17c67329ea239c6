// Runs the built `virtlab` (or any program) as a child process and captures what it printed,
// for tests that check the command-line contract the way a user or a grader script sees it.
#pragma once

#include <string>
#include <vector>

namespace vl::test {

struct CliResult {
    int exit_status = -1;     // exit code, or 128+signal when killed
    std::string out;          // stdout
    std::string err;          // stderr
};

// Runs `virtlab args...` with no stdin; waits at most timeout_s seconds (then kills it, status -1).
CliResult runVirtlab(const std::vector<std::string>& args, int timeout_s = 120);
CliResult runProgram(const std::vector<std::string>& argv, int timeout_s = 120);

// Writes `text` into a fresh file in a test temp dir and returns its path.
std::string writeTempFile(const std::string& name, const std::string& text);

}  // namespace vl::test
