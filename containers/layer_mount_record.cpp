#include "containers/layer_mount_record.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <filesystem>
#include <sstream>

#include "containers/container_state.h"
#include "containers/file_io.h"
#include "containers/unique_fd.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct {

namespace {

// A record younger than this that cannot be parsed may be one being written right now.
constexpr auto kUnreadableRecordGrace = std::chrono::seconds(10);

std::string randomSuffix() {
    unsigned char bytes[6];
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) throwErrno("layer stack: getrandom");
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

struct ParsedRecord {
    std::string holder;
    pid_t owner_pid = -1;
    uint64_t owner_start = 0;
};

std::optional<ParsedRecord> parseRecord(const std::string& text) {
    ParsedRecord r;
    std::istringstream in(text);
    std::string key, value;
    while (in >> key >> value) {
        if (key == "holder") r.holder = value;
        else if (key == "owner_pid") r.owner_pid = static_cast<pid_t>(std::stol(value));
        else if (key == "owner_start") r.owner_start = std::stoull(value);
    }
    if (r.holder.empty() || r.owner_pid <= 0) return std::nullopt;
    return r;
}

// Only what a LayerMountRecord makes: an absolute path named virtlab-layers-*, so a record
// (in a root-only directory, but still) can never point gc at anything else.
bool plausibleHolder(const std::string& holder) {
    const std::filesystem::path p(holder);
    return p.is_absolute() && p.lexically_normal() == p && p.filename().string().starts_with(kLayerHolderPrefix);
}

// /proc/self/mountinfo writes space, tab, newline and backslash as \ooo.
std::string unescapeMountPath(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Mount points at or below `dir` in this process's mount table, deepest first.
std::vector<std::string> mountsBelow(const std::string& dir) {
    std::vector<std::string> out;
    const auto text = readTextFile("/proc/self/mountinfo");
    if (!text) return out;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        if (!(fields >> id >> parent >> devno >> root >> mount_point)) continue;
        const std::string path = unescapeMountPath(mount_point);
        if (path == dir || path.starts_with(dir + "/")) out.push_back(path);
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return out;
}

}  // namespace

LayerMountRecord::LayerMountRecord(const std::string& parent, const std::string& base) {
    if (::mkdir(base.c_str(), 0711) != 0 && errno != EEXIST) throwErrno("layer stack: mkdir " + base);
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::string name = kLayerHolderPrefix + randomSuffix();
        const std::string record = base + "/" + name + kLayerMountRecordSuffix;
        const std::string holder = parent + "/" + name;
        UniqueFd fd(::open(record.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) {
            if (errno == EEXIST) continue;
            throwErrno("layer stack: create " + record);
        }
        const std::string text = "holder " + holder + "\nowner_pid " + std::to_string(::getpid()) + "\nowner_start " +
                                 std::to_string(processStartTime(::getpid()).value_or(0)) + "\n";
        // One write(2): a reader sees the whole record or an empty file (which gc leaves alone
        // while it is young).
        if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            const int err = errno ? errno : EIO;
            ::unlink(record.c_str());
            throwSystem("layer stack: write " + record, err);
        }
        // The record exists before the directory it names: a kill in between leaves a record
        // whose holder is missing, which gc simply deletes.
        if (::mkdir(holder.c_str(), 0700) != 0) {
            const int err = errno;
            ::unlink(record.c_str());
            if (err == EEXIST) continue;
            throwSystem("layer stack: mkdir " + holder, err);
        }
        holder_ = holder;
        record_ = record;
        return;
    }
    throwSystem("layer stack: no free name under " + parent, EEXIST);
}

LayerMountRecord::~LayerMountRecord() {
    // A holder that would not go stays recorded: gc retries once this process is gone.
    if (::access(holder_.c_str(), F_OK) != 0) ::unlink(record_.c_str());
}

LayerMountGarbage collectLayerMountGarbage(const std::string& base) {
    LayerMountGarbage report;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string record = entry.path().string();
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(kLayerHolderPrefix) || !name.ends_with(kLayerMountRecordSuffix)) continue;
        if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
        const auto text = readTextFile(record);
        std::optional<ParsedRecord> parsed;
        try {
            if (text) parsed = parseRecord(*text);
        } catch (const std::exception&) {
            parsed.reset();  // a number that is not one: unreadable
        }
        if (!parsed) {
            const auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(record, ec);
            if (ec || age < kUnreadableRecordGrace) continue;
            if (::unlink(record.c_str()) == 0) report.removed.push_back("record " + record);
            continue;
        }
        if (sameProcessAlive(parsed->owner_pid, parsed->owner_start)) continue;
        if (!plausibleHolder(parsed->holder)) {
            report.problems.push_back(record + ": names '" + parsed->holder + "', not a layer mount directory; left alone");
            continue;
        }
        bool unmounted = true;
        for (const auto& mount_point : mountsBelow(parsed->holder)) {
            if (::umount2(mount_point.c_str(), MNT_DETACH) == 0) {
                report.removed.push_back("mount " + mount_point);
            } else {
                report.problems.push_back("umount " + mount_point + ": " + std::strerror(errno));
                unmounted = false;
            }
        }
        if (!unmounted) continue;
        const bool existed = ::access(parsed->holder.c_str(), F_OK) == 0;
        if (const std::string why = removeTreeOnOneFileSystem(parsed->holder); !why.empty()) {
            report.problems.push_back(why);
            continue;
        }
        if (existed) report.removed.push_back("layers " + parsed->holder);
        if (::unlink(record.c_str()) == 0) report.removed.push_back("record " + record);
    }
    return report;
}

}  // namespace vl::ct
