// Parsing of the resource limits a user types (`--memory 64m`, `--pids 100`) into the numbers
// the cgroup files take. Pure functions, so the rules are unit-tested without a kernel.
#pragma once

#include <cstdint>
#include <string>

namespace vl::ct {

// Smallest and largest memory limit accepted. Below 4 MiB not even a busybox shell starts,
// and the kernel would only answer with an immediate OOM kill; above 1 PiB the number is a
// typo, not a limit.
inline constexpr uint64_t kMinMemoryBytes = 4ull << 20;
inline constexpr uint64_t kMaxMemoryBytes = 1ull << 50;
// PID_MAX_LIMIT on 64-bit Linux: no pids.max above it can ever bind.
inline constexpr uint64_t kMaxPids = 4194304;

// "67108864", "64m", "64M", "64mb", "1g", "512k", "2t" (binary multiples, like docker --memory).
// Throws vl::Error(Input) "<option>: ..." for garbage, overflow, or a value outside the range.
uint64_t parseMemorySize(const std::string& text, const std::string& option = "--memory");
// A whole number 1..kMaxPids. Throws vl::Error(Input) naming the option otherwise.
uint64_t parsePidsLimit(const std::string& text, const std::string& option = "--pids");

// "--cpus 0.5": CPU time per 100 ms period in microseconds (50000), like docker --cpus.
// 0.01 (the kernel's 1 ms minimum quota) to 1024 CPUs, at most 3 decimals.
// Throws vl::Error(Input) naming the option otherwise.
uint64_t parseCpuQuota(const std::string& text, const std::string& option = "--cpus");

}  // namespace vl::ct
