#include "containers/container_state.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>

#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct {

namespace {

// Arguments may hold any byte but a record is one item per line.
std::string escapeValue(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string unescapeValue(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            out += s[i + 1] == 'n' ? '\n' : s[i + 1];
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

template <typename T>
T number(const std::string& text, const std::string& path, int line) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throwInputAt(path, line, "not a number: '" + text + "'");
    return value;
}

}  // namespace

std::string stateBase() {
    if (::geteuid() == 0) return "/run/virtlab";
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && runtime[0] == '/') return std::string(runtime) + "/virtlab";
    // Not a guessed /tmp path: anyone may create that first and plant what `gc` then trusts.
    throwInput("XDG_RUNTIME_DIR is not set (or not absolute): containers run without root keep their state in "
               "$XDG_RUNTIME_DIR/virtlab (systemd-logind sets it to /run/user/UID at login)");
}

namespace {

// Field 3 (state) and field 22 (starttime) of /proc/PID/stat.
struct ProcStat {
    char state = '?';
    uint64_t start = 0;
};

std::optional<ProcStat> readProcStat(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    const auto stat = readTextFile("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return std::nullopt;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields from
    // the last ')'. starttime is field 22, the 20th after the comm.
    const size_t close = stat->rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat->substr(close + 1));
    ProcStat out;
    std::string field;
    for (int i = 0; i < 20 && fields >> field; ++i)
        if (i == 0) out.state = field.empty() ? '?' : field[0];
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out.start);
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return out;
}

}  // namespace

std::optional<uint64_t> processStartTime(pid_t pid) {
    const auto stat = readProcStat(pid);
    if (!stat) return std::nullopt;
    return stat->start;
}

bool sameProcessAlive(pid_t pid, uint64_t start_time) {
    // A zombie (a killed monitor whose new parent has not reaped it yet) has exited: it
    // owns nothing any more, and its cleanup will never run.
    const auto stat = readProcStat(pid);
    return stat && stat->start == start_time && stat->state != 'Z' && stat->state != 'X';
}

int openVerifiedPidfd(pid_t pid, uint64_t start_time) {
    if (pid <= 0) return -1;
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return -1;
    if (!sameProcessAlive(pid, start_time)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string ContainerRecord::serialize() const {
    std::ostringstream out;
    out << "id " << id << "\n";
    if (!name.empty()) out << "name " << name << "\n";
    out << "hostname " << hostname << "\nstatus " << status << "\n";
    for (const auto& a : argv) out << "arg " << escapeValue(a) << "\n";
    out << "rootfs " << escapeValue(rootfs) << "\nisolation " << isolation << "\n";
    if (!cgroup_version.empty()) out << "cgroup_version " << cgroup_version << "\n";
    for (const auto& [controller, dir] : cgroup_dirs) out << "cgroup " << controller << " " << escapeValue(dir) << "\n";
    out << "owner " << owner_pid << " " << owner_start << "\n";
    if (pid > 0) out << "pid " << pid << " " << pid_start << "\n";
    out << "created " << created_unix << "\n";
    if (exit_code) out << "exit_code " << *exit_code << "\n";
    out << "detached " << (detached ? 1 : 0) << "\n";
    if (!limits.empty()) out << "limits " << limits << "\n";
    if (network.mode != "none") out << "net_mode " << network.mode << "\n";
    if (network.attached())
        out << "net_address " << network.address << "/" << network.prefix << "\nnet_gateway " << network.gateway
            << "\nnet_bridge " << network.bridge << "\nnet_veth " << network.host_veth << " " << network.container_veth << "\n";
    for (const auto& e : env) out << "env " << escapeValue(e) << "\n";
    if (!workdir.empty()) out << "workdir " << escapeValue(workdir) << "\n";
    if (!user.empty()) out << "user " << user << "\n";
    if (init) out << "init 1\n";
    if (!image.empty()) out << "image " << escapeValue(image) << "\n";
    if (rootless) out << "rootless 1\nid_map_method " << id_map_method << "\n";
    for (const auto& [key, text] : {std::pair{"uid_map", &uid_map}, std::pair{"gid_map", &gid_map}}) {
        std::istringstream lines(*text);
        for (std::string line; std::getline(lines, line);) out << key << " " << line << "\n";
    }
    if (!cgroup_note.empty()) out << "cgroup_note " << escapeValue(cgroup_note) << "\n";
    return out.str();
}

ContainerRecord ContainerRecord::parse(const std::string& text, const std::string& path) {
    ContainerRecord r;
    std::istringstream lines(text);
    int n = 0;
    for (std::string line; std::getline(lines, line);) {
        ++n;
        const size_t space = line.find(' ');
        const std::string key = line.substr(0, space), value = space == std::string::npos ? "" : line.substr(space + 1);
        const auto pair = [&](auto& first, auto& second) {
            const size_t sp = value.find(' ');
            if (sp == std::string::npos) throwInputAt(path, n, key + ": expected two numbers");
            first = number<std::remove_reference_t<decltype(first)>>(value.substr(0, sp), path, n);
            second = number<std::remove_reference_t<decltype(second)>>(value.substr(sp + 1), path, n);
        };
        if (key == "id") r.id = value;
        else if (key == "name") r.name = value;
        else if (key == "hostname") r.hostname = value;
        else if (key == "status") r.status = value;
        else if (key == "arg") r.argv.push_back(unescapeValue(value));
        else if (key == "rootfs") r.rootfs = unescapeValue(value);
        else if (key == "isolation") r.isolation = value;
        else if (key == "cgroup_version") r.cgroup_version = value;
        else if (key == "cgroup") {
            const size_t sp = value.find(' ');
            if (sp == std::string::npos) throwInputAt(path, n, "cgroup: expected a controller and a directory");
            r.cgroup_dirs[value.substr(0, sp)] = unescapeValue(value.substr(sp + 1));
        } else if (key == "owner") pair(r.owner_pid, r.owner_start);
        else if (key == "pid") pair(r.pid, r.pid_start);
        else if (key == "created") r.created_unix = number<int64_t>(value, path, n);
        else if (key == "exit_code") r.exit_code = number<int>(value, path, n);
        else if (key == "detached") r.detached = value == "1";
        else if (key == "limits") r.limits = value;
        else if (key == "net_mode") r.network.mode = value;
        else if (key == "net_address") {
            const size_t slash = value.find('/');
            if (slash == std::string::npos) throwInputAt(path, n, "net_address: expected ADDRESS/PREFIX");
            r.network.address = value.substr(0, slash);
            r.network.prefix = number<int>(value.substr(slash + 1), path, n);
        } else if (key == "net_gateway") r.network.gateway = value;
        else if (key == "net_bridge") r.network.bridge = value;
        else if (key == "net_veth") {
            const size_t sp = value.find(' ');
            if (sp == std::string::npos) throwInputAt(path, n, "net_veth: expected the host and the container interface");
            r.network.host_veth = value.substr(0, sp);
            r.network.container_veth = value.substr(sp + 1);
        } else if (key == "env") r.env.push_back(unescapeValue(value));
        else if (key == "workdir") r.workdir = unescapeValue(value);
        else if (key == "user") r.user = value;
        else if (key == "init") r.init = value == "1";
        else if (key == "rootless") r.rootless = value == "1";
        else if (key == "image") r.image = unescapeValue(value);
        else if (key == "id_map_method") r.id_map_method = value;
        else if (key == "uid_map") r.uid_map += value + "\n";
        else if (key == "gid_map") r.gid_map += value + "\n";
        else if (key == "cgroup_note") r.cgroup_note = unescapeValue(value);
        else if (!key.empty()) throwInputAt(path, n, "unknown key '" + key + "'");
    }
    if (r.id.empty()) throwInputAt(path, 1, "no id");
    return r;
}

std::string ContainerRecord::liveStatus() const {
    if (status == "exited") return status;
    return ownerAlive() ? status : "dead";
}

std::optional<ContainerRecord> readRecord(const std::string& state_dir) {
    const std::string path = state_dir + "/state";
    const auto text = readTextFile(path);
    if (!text) return std::nullopt;
    try {
        return ContainerRecord::parse(*text, path);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::vector<std::string> listStateDirs(const std::string& base) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec))
        if (entry.is_directory(ec) && !entry.is_symlink(ec)) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string findStateDir(const std::string& id_or_name, const std::string& base) {
    if (id_or_name.empty()) throwInput("missing container id");
    std::vector<std::string> matches;
    for (const auto& dir : listStateDirs(base)) {
        const std::string id = std::filesystem::path(dir).filename().string();
        if (id == id_or_name) return dir;
        const auto record = readRecord(dir);
        if (id.rfind(id_or_name, 0) == 0 || (record && record->name == id_or_name)) matches.push_back(dir);
    }
    if (matches.size() == 1) return matches.front();
    if (matches.empty()) throwInput("no such container: " + id_or_name);
    throwInput("'" + id_or_name + "' matches " + std::to_string(matches.size()) + " containers; give more of the id");
}

}  // namespace vl::ct
