// Finding the cgroup hierarchies: /proc/self/mountinfo says what is mounted where (fstype
// "cgroup" with the controllers in the super options, or "cgroup2"), /proc/self/cgroup says
// where this process sits in each ("4:memory:/a/b", "0::/user.slice/...").
#include <algorithm>
#include <sstream>

#include "containers/cgroup.h"
#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

namespace {

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        const size_t end = text.find(sep, start);
        out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string unescapeMountPath(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() &&
            std::all_of(field.begin() + static_cast<long>(i) + 1, field.begin() + static_cast<long>(i) + 4,
                        [](char c) { return c >= '0' && c <= '7'; })) {
            out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

}  // namespace

const char* toString(CgroupVersion version) { return version == CgroupVersion::V1 ? "v1" : "v2"; }

const std::vector<std::string>& containerControllers() {
    // cpuacct only exists in v1 (v2's cpu controller reports usage itself).
    static const std::vector<std::string> controllers{"memory", "pids", "cpu", "cpuacct"};
    return controllers;
}

CgroupLayout detectCgroupLayout(std::string_view mountinfo, std::string_view proc_self_cgroup) {
    // Where this process sits: hierarchy id -> path, keyed by controller list for v1.
    std::map<std::string, std::string> own_by_controller;  // "memory" -> "/a"; "" -> v2 path
    for (const auto& line : split(proc_self_cgroup, '\n')) {
        const size_t first = line.find(':');
        const size_t second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (controllers.empty()) own_by_controller[""] = path;
        for (const auto& c : split(controllers, ','))
            if (!c.empty()) own_by_controller[c] = path;
    }

    CgroupLayout layout;
    for (const auto& line : split(mountinfo, '\n')) {
        std::istringstream in(line);
        std::vector<std::string> fields;
        for (std::string f; in >> f;) fields.push_back(f);
        const auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 3) continue;
        const std::string mount_root = unescapeMountPath(fields[3]);
        const std::string mount_point = unescapeMountPath(fields[4]);
        // A hierarchy mounted from a sub-directory (mount root "/a") shows our "/a/b" as "/b".
        const auto relative = [&](const std::string& own) {
            if (mount_root == "/" || !own.starts_with(mount_root)) return own;
            const std::string rest = own.substr(mount_root.size());
            return rest.empty() ? std::string("/") : rest;
        };
        const std::string& fstype = *(dash + 1);
        const std::string super_options = dash + 3 < fields.end() ? *(dash + 3) : "";
        if (fstype == "cgroup2") {
            if (!layout.v2) layout.v2 = CgroupHierarchy{mount_point, relative(own_by_controller.count("") ? own_by_controller[""] : "/")};
        } else if (fstype == "cgroup") {
            for (const auto& option : split(super_options, ',')) {
                auto it = own_by_controller.find(option);
                if (it == own_by_controller.end() || layout.v1.count(option)) continue;
                layout.v1[option] = CgroupHierarchy{mount_point, relative(it->second)};
            }
        }
    }
    // Keep only the controllers VirtLab uses, so `layout.v1` reads as "what the container gets".
    std::erase_if(layout.v1, [](const auto& entry) {
        const auto& wanted = containerControllers();
        return std::find(wanted.begin(), wanted.end(), entry.first) == wanted.end();
    });
    if (!layout.v1.empty()) layout.version = CgroupVersion::V1;
    else if (layout.v2) layout.version = CgroupVersion::V2;
    return layout;
}

CgroupLayout detectHostCgroupLayout() {
    const auto mountinfo = readTextFile("/proc/self/mountinfo");
    const auto cgroups = readTextFile("/proc/self/cgroup");
    if (!mountinfo || !cgroups) throwErrno("read /proc/self/mountinfo and /proc/self/cgroup");
    return detectCgroupLayout(*mountinfo, *cgroups);
}

}  // namespace vl::ct
