#include "containers/container_config.h"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "containers/limits.h"
#include "core/error.h"

namespace vl::ct {

namespace {

bool isHostnameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }
bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; }

}  // namespace

const char* toString(Isolation isolation) { return isolation == Isolation::Chroot ? "chroot" : "pivot"; }

Isolation parseIsolation(const std::string& text) {
    if (text == "pivot") return Isolation::Pivot;
    if (text == "chroot") return Isolation::Chroot;
    throwInput("--isolation: '" + text + "' is not pivot or chroot");
}

UserSpec parseUser(const std::string& text) {
    const auto number = [&](const std::string& part) {
        uint32_t value = 0;
        const bool digits = !part.empty() && part.size() <= 10 &&
                            std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        // 4294967295 is (uid_t)-1, which setresuid() reads as "leave unchanged".
        if (!digits || std::stoull(part) >= 4294967295ull)
            throwInput("--user: '" + text + "' is not UID or UID:GID (numbers below 4294967295)");
        value = static_cast<uint32_t>(std::stoull(part));
        return value;
    };
    const size_t colon = text.find(':');
    UserSpec user;
    user.uid = number(text.substr(0, colon));
    if (colon != std::string::npos) user.gid = number(text.substr(colon + 1));
    return user;
}

namespace {

bool cleanAbsolutePath(const std::string& p) {
    return p.size() > 1 && p[0] == '/' && p.back() != '/' && p.find("//") == std::string::npos &&
           p.find("/../") == std::string::npos && !p.ends_with("/..") && p.find("/./") == std::string::npos &&
           !p.ends_with("/.");
}

}  // namespace

void validateConfig(const ContainerConfig& config) {
    if (config.argv.empty() || config.argv.front().empty())
        throwInput("container run: missing command (usage: virtlab container run [OPTIONS] -- CMD [ARG...])");
    if (!config.name.empty()) {
        const bool ok = config.name.size() <= 64 && std::isalnum(static_cast<unsigned char>(config.name[0])) &&
                        std::all_of(config.name.begin(), config.name.end(), isNameChar);
        if (!ok) throwInput("--name: '" + config.name + "' is not a name (letters, digits, '_', '.', '-'; at most 64)");
    }
    if (!config.hostname.empty()) {
        // HOST_NAME_MAX is 64; a leading '-' would read as an option to hostname(1).
        const bool ok = config.hostname.size() <= 64 && config.hostname[0] != '-' &&
                        std::all_of(config.hostname.begin(), config.hostname.end(), isHostnameChar);
        if (!ok) throwInput("--hostname: '" + config.hostname + "' is not a host name (letters, digits, '-', '.'; at most 64)");
    }
    if (!config.rootfs.empty()) {
        struct stat st {};
        if (::stat(config.rootfs.c_str(), &st) != 0)
            throwInputAt(config.rootfs, 0, std::string("--rootfs: ") + std::strerror(errno));
        if (!S_ISDIR(st.st_mode)) throwInputAt(config.rootfs, 0, "--rootfs: not a directory");
    }
    for (const auto& bind : config.binds) {
        struct stat st {};
        if (::stat(bind.source.c_str(), &st) != 0) throwInputAt(bind.source, 0, std::string("bind source: ") + std::strerror(errno));
        if (!cleanAbsolutePath(bind.target)) throwInput("bind target '" + bind.target + "' is not a clean absolute path inside the container");
    }
    for (const auto& e : config.env) {
        const size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0)
            throwInput("--env: '" + e + "' is not KEY=VALUE");
    }
    if (!config.workdir.empty() && config.workdir != "/" && !cleanAbsolutePath(config.workdir))
        throwInput("--workdir: '" + config.workdir + "' is not a clean absolute path");
    if (config.memory_bytes && (*config.memory_bytes < kMinMemoryBytes || *config.memory_bytes > kMaxMemoryBytes))
        throwInput("--memory: " + std::to_string(*config.memory_bytes) + " bytes is outside 4 MiB .. 1 PiB");
    if (config.pids_max && (*config.pids_max == 0 || *config.pids_max > kMaxPids))
        throwInput("--pids: " + std::to_string(*config.pids_max) + " is outside 1 .. " + std::to_string(kMaxPids));
    if (!config.nested_root.empty() && !cleanAbsolutePath(config.nested_root))
        throwInput("nested root '" + config.nested_root + "' is not a clean absolute path inside the container");
    if (runsRootless(config) && config.network == net::NetworkMode::Bridge)
        throwInput("--net bridge: needs root (the bridge and the host end of the veth pair live in the host's network "
                   "namespace); a rootless container has --net none");
}

bool runsRootless(const ContainerConfig& config) { return config.rootless || ::geteuid() != 0; }

std::string newContainerId() {
    unsigned char bytes[6];
    size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throwErrno("getrandom");
        got += static_cast<size_t>(n);
    }
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (unsigned char b : bytes) {
        id.push_back(hex[b >> 4]);
        id.push_back(hex[b & 15]);
    }
    return id;
}

}  // namespace vl::ct
