#include "containers/image/oci_bundle.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "containers/container_plan.h"
#include "containers/hardening.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct::image {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ociRuntimeConfig(const ResolvedImage& image, const BundleOptions& options) {
    std::vector<std::string> args = options.args.empty() ? image.argv : options.args;
    if (args.empty()) throwInput("image '" + image.name + "' has no CMD: give the command to run");
    std::vector<std::string> env = image.env;
    bool has_path = false;
    for (const auto& pair : env) has_path = has_path || pair.rfind("PATH=", 0) == 0;
    if (!has_path) env.insert(env.begin(), std::string("PATH=") + kContainerPath);
    const auto caps = capabilityNames(defaultCapabilityMask());

    json mounts = json::array({
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}, {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "noexec", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
        {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
        {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"nosuid", "noexec", "nodev", "ro"}}},
    });
    json config = {
        {"ociVersion", "1.0.2"},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", args},
          {"env", env},
          {"cwd", image.workdir.empty() ? "/" : image.workdir},
          {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
          {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
          {"noNewPrivileges", true}}},
        {"root", {{"path", "rootfs"}, {"readonly", false}}},
        {"hostname", options.hostname},
        {"mounts", mounts},
        {"linux",
         {{"namespaces", json::array({{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}},
                                      {{"type", "mount"}}, {{"type", "cgroup"}}})},
          {"resources", {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}}},
          {"maskedPaths", maskedPaths()},
          {"readonlyPaths", readOnlyPaths()}}},
    };
    return config.dump(2) + "\n";
}

void exportBundle(const ImageStore& store, const std::string& name, const std::string& dir, const BundleOptions& options) {
    const ResolvedImage image = store.resolve(name);
    const std::string config = ociRuntimeConfig(image, options);  // refuses an image without a command first

    const fs::path target = fs::absolute(dir).lexically_normal();
    std::error_code ec;
    if (fs::exists(target, ec) && !(fs::is_directory(target, ec) && fs::is_empty(target, ec)))
        throwInputAt(dir, 0, "exists and is not an empty directory");
    std::string staging = (target.parent_path() / ("." + target.filename().string() + ".bundle-XXXXXX")).string();
    if (!::mkdtemp(staging.data())) throwErrno("export-bundle: mkdtemp " + staging);
    try {
        const std::string rootfs = staging + "/rootfs";
        if (::mkdir(rootfs.c_str(), 0755) != 0) throwErrno("export-bundle: mkdir " + rootfs);
        for (const auto& layer : image.layers) applyLayer(layer.dir, rootfs);
        // The runtimes mount on these; an image made FROM scratch may not have them.
        for (const char* mount_point : {"proc", "dev", "sys"}) {
            const std::string path = rootfs + "/" + mount_point;
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0 && ::mkdir(path.c_str(), 0755) != 0) throwErrno("export-bundle: mkdir " + path);
        }
        writeFileAtomically(staging + "/config.json", config);
        if (::chmod(staging.c_str(), 0755) != 0) throwErrno("export-bundle: chmod " + staging);
        if (::rename(staging.c_str(), target.c_str()) != 0) throwErrno("export-bundle: rename to " + target.string());
    } catch (...) {
        removeTreeOnOneFileSystem(staging);
        throw;
    }
}

}  // namespace vl::ct::image
