#include "containers/user_namespace.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "containers/file_io.h"
#include "containers/program_output.h"
#include "core/error.h"

extern char** environ;

namespace vl::ct {

namespace {

std::optional<uint32_t> parseId(const std::string& text) {
    if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const uint64_t value = std::stoull(text);
    if (value > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(value);
}

// The name on the line for `uid` in passwd(5) text; "" when there is none.
std::string nameInPasswd(std::string_view passwd_text, uid_t uid) {
    const std::string wanted = std::to_string(uid);
    std::istringstream lines{std::string(passwd_text)};
    for (std::string line; std::getline(lines, line);) {
        const size_t name_end = line.find(':');
        const size_t uid_start = name_end == std::string::npos ? std::string::npos : line.find(':', name_end + 1);
        if (uid_start == std::string::npos) continue;
        const size_t uid_end = line.find(':', uid_start + 1);
        if (line.compare(uid_start + 1, uid_end - uid_start - 1, wanted) == 0) return line.substr(0, name_end);
    }
    return "";
}

// The caller's login name, for /etc/subuid lines that name the user. /etc/passwd first, then
// getent(1) for users from elsewhere (LDAP, systemd-homed...). Not getpwuid_r(): the front
// end is linked statically, and a static glibc loads NSS modules as shared objects; for a
// uid missing from /etc/passwd, loading libnss_systemd crashed it (SIGSEGV, measured here).
std::string userName(uid_t uid) {
    if (const auto passwd = readTextFile("/etc/passwd"))
        if (std::string name = nameInPasswd(*passwd, uid); !name.empty()) return name;
    // getent(1): the system's own lookup, through whatever modules nsswitch.conf names.
    return nameInPasswd(runAndCapture({"/usr/bin/getent", "passwd", std::to_string(uid)}).value_or(""), uid);
}

std::string findHelper(const char* name) {
    for (const char* dir : {"/usr/bin/", "/bin/"}) {
        const std::string path = std::string(dir) + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return "";
}

// newuidmap PID inside outside count [inside outside count...]
void runMapHelper(const std::string& helper, pid_t pid, const std::vector<IdMapping>& mappings) {
    std::vector<std::string> args{helper, std::to_string(pid)};
    for (const auto& m : mappings) {
        args.push_back(std::to_string(m.inside));
        args.push_back(std::to_string(m.outside));
        args.push_back(std::to_string(m.count));
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    if (const int err = ::posix_spawn(&child, helper.c_str(), nullptr, nullptr, argv.data(), environ); err != 0)
        throwSystem("user namespace: run " + helper, err);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) throwErrno("user namespace: wait for " + helper);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throwSystem("user namespace: " + helper + " " + std::to_string(pid) + " failed (status " + std::to_string(status) +
                        "); check the caller's lines in /etc/subuid and /etc/subgid",
                    EPERM);
}

uint32_t highest(const std::vector<IdMapping>& mappings) {
    uint32_t top = 0;
    for (const auto& m : mappings)
        if (m.count > 0) top = std::max(top, m.inside + m.count - 1);
    return top;
}

}  // namespace

uint32_t UserNamespaceMaps::highestUid() const { return highest(uids); }
uint32_t UserNamespaceMaps::highestGid() const { return highest(gids); }

std::optional<SubordinateRange> findSubordinateRange(std::string_view file_text, const std::string& user_name, uint32_t id) {
    std::istringstream lines{std::string(file_text)};
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') continue;
        const size_t first = line.find(':');
        const size_t second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        const std::string who = line.substr(0, first);
        if (who != std::to_string(id) && (user_name.empty() || who != user_name)) continue;
        const auto start = parseId(line.substr(first + 1, second - first - 1));
        const auto count = parseId(line.substr(second + 1));
        if (!start || !count || *count == 0) continue;
        return SubordinateRange{*start, *count};
    }
    return std::nullopt;
}

UserNamespaceMaps chooseUserNamespaceMaps(uint32_t uid, uint32_t gid, const std::optional<SubordinateRange>& sub_uids,
                                          const std::optional<SubordinateRange>& sub_gids, const std::string& newuidmap,
                                          const std::string& newgidmap) {
    UserNamespaceMaps maps;
    maps.uids.push_back({0, uid, 1});
    maps.gids.push_back({0, gid, 1});
    if (sub_uids && sub_gids && !newuidmap.empty() && !newgidmap.empty()) {
        maps.method = "subordinate";
        maps.uids.push_back({1, sub_uids->start, sub_uids->count});
        maps.gids.push_back({1, sub_gids->start, sub_gids->count});
        maps.newuidmap = newuidmap;
        maps.newgidmap = newgidmap;
    } else {
        maps.method = "single";
    }
    return maps;
}

UserNamespaceMaps userNamespaceMapsForCaller() {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    const std::string name = userName(uid);
    const auto subuid = readTextFile("/etc/subuid");
    const auto subgid = readTextFile("/etc/subgid");
    return chooseUserNamespaceMaps(uid, gid, subuid ? findSubordinateRange(*subuid, name, uid) : std::nullopt,
                                   subgid ? findSubordinateRange(*subgid, name, gid) : std::nullopt, findHelper("newuidmap"),
                                   findHelper("newgidmap"));
}

std::string mapText(const std::vector<IdMapping>& mappings) {
    std::string out;
    for (const auto& m : mappings)
        out += std::to_string(m.inside) + " " + std::to_string(m.outside) + " " + std::to_string(m.count) + "\n";
    return out;
}

void writeUserNamespaceMaps(pid_t pid, const UserNamespaceMaps& maps) {
    const std::string proc = "/proc/" + std::to_string(pid);
    if (maps.method == "subordinate") {
        runMapHelper(maps.newuidmap, pid, maps.uids);
        runMapHelper(maps.newgidmap, pid, maps.gids);
        return;
    }
    // Without "deny" the kernel refuses an unprivileged gid_map (since Linux 3.19).
    writeControlFile(proc + "/setgroups", "deny");
    writeControlFile(proc + "/uid_map", mapText(maps.uids));
    writeControlFile(proc + "/gid_map", mapText(maps.gids));
}

std::string unprivilegedUserNamespacesRefusal() {
    if (const auto max = readTextFile("/proc/sys/user/max_user_namespaces"); max && std::stoll("0" + *max) == 0)
        return "user.max_user_namespaces is 0 (user namespaces are disabled)";
    if (const auto clone = readTextFile("/proc/sys/kernel/unprivileged_userns_clone"); clone && clone->rfind('0', 0) == 0)
        return "kernel.unprivileged_userns_clone is 0 (unprivileged user namespaces are disabled)";
    return "";
}

}  // namespace vl::ct
