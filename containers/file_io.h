// Small, checked reads and writes of kernel control files (cgroupfs, procfs). Each write is
// one write(2) call, as the kernel's control files expect, and no file is ever created.
#pragma once

#include <optional>
#include <string>

namespace vl::ct {

// The whole file, or nullopt when it cannot be opened (a missing optional control file).
std::optional<std::string> readTextFile(const std::string& path);
// Writes `value` into an existing file; throws vl::Error(System) "write <path>: <reason>".
void writeControlFile(const std::string& path, const std::string& value);

}  // namespace vl::ct
