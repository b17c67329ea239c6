// What the backends write and read, as tables (the v1 and v2 file names differ; the meaning
// does not), and the pure choice of a v2 parent.
#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include "containers/cgroup.h"
#include "containers/file_io.h"

namespace vl::ct {

std::vector<CgroupWrite> limitWrites(CgroupVersion version, const CgroupLimits& limits) {
    const bool v1 = version == CgroupVersion::V1;
    std::vector<CgroupWrite> writes;
    if (limits.memory_bytes)
        writes.push_back({"memory", v1 ? "memory.limit_in_bytes" : "memory.max", std::to_string(*limits.memory_bytes)});
    if (limits.pids_max) writes.push_back({"pids", "pids.max", std::to_string(*limits.pids_max)});
    // CFS bandwidth: the cgroup may run quota microseconds per period, summed over all CPUs
    // (--cpus 1.5 = 150000 per 100000). v1 takes two files, the period first (a quota above
    // the old period would otherwise be checked against it); v2 one "quota period" line.
    if (limits.cpu_quota_us) {
        if (v1) {
            writes.push_back({"cpu", "cpu.cfs_period_us", std::to_string(kCpuPeriodUs)});
            writes.push_back({"cpu", "cpu.cfs_quota_us", std::to_string(*limits.cpu_quota_us)});
        } else {
            writes.push_back({"cpu", "cpu.max", std::to_string(*limits.cpu_quota_us) + " " + std::to_string(kCpuPeriodUs)});
        }
    }
    return writes;
}

const std::vector<CgroupReadingSpec>& readingSpecs(CgroupVersion version) {
    // Peak memory: v1 keeps max_usage_in_bytes; v2 has memory.peak since Linux 5.19.
    // Limit hits: v1 memory.failcnt counts charges refused at the limit, v2 memory.events "max"
    // counts the same; pids.events "max" counts fork()s refused by pids.max in both.
    static const std::vector<CgroupReadingSpec> v1{
        {"memory_limit_bytes", "memory", "memory.limit_in_bytes", ""},
        {"memory_peak_bytes", "memory", "memory.max_usage_in_bytes", ""},
        {"memory_current_bytes", "memory", "memory.usage_in_bytes", ""},
        {"memory_limit_hits", "memory", "memory.failcnt", ""},
        {"oom_kills", "memory", "memory.oom_control", "oom_kill"},
        {"pids_max", "pids", "pids.max", ""},
        {"pids_current", "pids", "pids.current", ""},
        {"pids_peak", "pids", "pids.peak", ""},
        {"pids_limit_hits", "pids", "pids.events", "max"},
        {"cpu_usage_us", "cpuacct", "cpuacct.usage", "", 1000},
        {"cpu_throttled_periods", "cpu", "cpu.stat", "nr_throttled"},
        {"cpu_throttled_us", "cpu", "cpu.stat", "throttled_time", 1000},
    };
    static const std::vector<CgroupReadingSpec> v2{
        {"memory_limit_bytes", "memory", "memory.max", ""},
        {"memory_peak_bytes", "memory", "memory.peak", ""},
        {"memory_current_bytes", "memory", "memory.current", ""},
        {"memory_limit_hits", "memory", "memory.events", "max"},
        {"oom_kills", "memory", "memory.events", "oom_kill"},
        {"pids_max", "pids", "pids.max", ""},
        {"pids_current", "pids", "pids.current", ""},
        {"pids_peak", "pids", "pids.peak", ""},
        {"pids_limit_hits", "pids", "pids.events", "max"},
        {"cpu_usage_us", "cpu", "cpu.stat", "usage_usec"},
        {"cpu_throttled_periods", "cpu", "cpu.stat", "nr_throttled"},
        {"cpu_throttled_us", "cpu", "cpu.stat", "throttled_usec"},
    };
    return version == CgroupVersion::V1 ? v1 : v2;
}

CgroupReadings readCgroupReadings(CgroupVersion version, const std::map<std::string, std::string>& controller_dirs) {
    CgroupReadings out;
    for (const auto& spec : readingSpecs(version)) {
        auto it = controller_dirs.find(spec.controller);
        if (it == controller_dirs.end()) continue;
        const auto text = readTextFile(it->second + "/" + spec.file);
        if (!text) continue;
        auto value = parseReading(*text, spec.key);
        if (!value) continue;
        // v1 spells "no limit" as PAGE_COUNTER_MAX pages (0x7ffffffffffff000 with 4 KiB
        // pages); leave it out, as v2's "max" is.
        if (spec.name == "memory_limit_bytes" && *value >= (1ull << 62)) continue;
        out[spec.name] = *value / spec.divisor;
    }
    return out;
}

std::optional<uint64_t> parseReading(std::string_view text, const std::string& key) {
    std::string_view value = text;
    if (!key.empty()) {
        value = {};
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            const std::string_view line = text.substr(start, end - start);
            if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
                value = line.substr(key.size() + 1);
                break;
            }
            start = end + 1;
        }
    }
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    uint64_t number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return number;
}

std::string chooseV2Parent(const std::string& own_path, const std::vector<std::string>& needed,
                           const std::function<std::string(const std::string&)>& read_subtree_control) {
    const auto lists_all = [&](const std::string& path) {
        std::istringstream words(read_subtree_control(path));
        std::set<std::string> enabled;
        for (std::string w; words >> w;) enabled.insert(w);
        return std::all_of(needed.begin(), needed.end(), [&](const std::string& c) { return enabled.count(c) != 0; });
    };
    // Start above our own cgroup: it holds this very process, so it cannot have children
    // with controllers enabled.
    std::string path = own_path;
    for (;;) {
        const size_t slash = path.find_last_of('/');
        if (slash == std::string::npos || slash == 0) return "/";
        path.resize(slash);
        if (lists_all(path)) return path;
    }
}

}  // namespace vl::ct
