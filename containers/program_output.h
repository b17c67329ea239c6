// Running a helper program and keeping what it prints: busybox's applet list for the rootfs
// builder, getent's passwd line for a user NSS knows but /etc/passwd does not.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vl::ct {

// Runs argv (argv[0] an absolute path) with stdout to a pipe and returns what it printed;
// nullopt when it cannot run or exits non-zero. stdin and stderr are inherited.
std::optional<std::string> runAndCapture(const std::vector<std::string>& argv);

}  // namespace vl::ct
