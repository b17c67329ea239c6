// Small, checked reads and writes of kernel control files (cgroupfs, procfs). Each write is
// one write(2) call, as the kernel's control files expect, and no file is ever created.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vl::ct {

// The whole file, or nullopt when it cannot be opened (a missing optional control file).
std::optional<std::string> readTextFile(const std::string& path);
// Writes all of `text` to `fd`, resuming after short writes and EINTR; 0 or the errno.
int writeAll(int fd, std::string_view text);
// Writes `value` into an existing file; throws vl::Error(System) "write <path>: <reason>".
void writeControlFile(const std::string& path, const std::string& value);

}  // namespace vl::ct
