#include "containers/image/image_import.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "containers/image/safe_unpack.h"
#include "containers/image/sha256.h"
#include "containers/unique_fd.h"
#include "core/error.h"

namespace vl::ct::image {

using nlohmann::json;

namespace {

// A directory of untrusted files (the layout, or the tar unpacked), read so that no name in
// it can lead elsewhere: openat2(RESOLVE_IN_ROOT) resolves ".." and symlinks as if the
// directory were "/", the way a chroot would.
class ArchiveDir {
public:
    ArchiveDir(std::string shown_as, const std::string& dir) : shown_as_(std::move(shown_as)) {
        root_.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_) throwErrno("import: open " + dir);
    }

    UniqueFd open(const std::string& relative) const {
        open_how how {};
        how.flags = O_RDONLY | O_CLOEXEC;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
        const long fd = ::syscall(SYS_openat2, root_.get(), relative.c_str(), &how, sizeof how);
        if (fd < 0) {
            if (errno == ENOENT) throwInputAt(shown_as_, 0, "'" + relative + "' is missing");
            throwErrno("import: open " + relative + " in " + shown_as_);
        }
        struct stat st {};
        if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(static_cast<int>(fd));
            throwInputAt(shown_as_, 0, "'" + relative + "' is not a regular file");
        }
        return UniqueFd(static_cast<int>(fd));
    }

    bool exists(const std::string& relative) const {
        struct stat st {};
        return ::fstatat(root_.get(), relative.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    }

    std::string readText(const std::string& relative, size_t limit = 16u << 20) const {
        UniqueFd fd = open(relative);
        std::string text;
        char buf[65536];
        for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throwErrno("import: read " + relative);
            text.append(buf, static_cast<size_t>(n));
            if (text.size() > limit) throwInputAt(shown_as_, 0, "'" + relative + "' is too large for a JSON document");
        }
        return text;
    }

    json readJson(const std::string& relative) const {
        try {
            return json::parse(readText(relative));
        } catch (const json::exception& e) {
            throwInputAt(shown_as_, 0, "'" + relative + "' is not valid JSON: " + e.what());
        }
    }

    // "sha256:<hex>" -> blobs/sha256/<hex>, after checking the file has that digest.
    std::string blobPath(const std::string& digest) const {
        if (digest.rfind("sha256:", 0) != 0 || !isHexDigest(digest.substr(7)))
            throwInputAt(shown_as_, 0, "unsupported or malformed digest '" + digest + "'");
        const std::string path = "blobs/sha256/" + digest.substr(7);
        verify(path, digest.substr(7));
        return path;
    }

    void verify(const std::string& relative, const std::string& hex) const {
        UniqueFd fd = open(relative);
        Sha256 hasher;
        char buf[1 << 16];
        for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throwErrno("import: read " + relative);
            hasher.update(buf, static_cast<size_t>(n));
        }
        if (hasher.hex() != hex) throwInputAt(shown_as_, 0, "'" + relative + "' does not match its digest (corrupt blob)");
    }

    const std::string& shownAs() const { return shown_as_; }

private:
    std::string shown_as_;
    UniqueFd root_;
};

struct Parsed {
    std::string format;
    std::string name;                 // from the archive, may be empty
    json config;                      // the image config (its "config" object holds Env, Cmd, ...)
    std::vector<std::string> layers;  // paths inside the archive dir, bottom first
};

std::vector<std::string> stringsOf(const json& j, const char* key) {
    std::vector<std::string> out;
    if (j.contains(key) && j[key].is_array())
        for (const auto& item : j[key])
            if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

Parsed parseDockerSave(const ArchiveDir& dir, const std::string& wanted) {
    const json manifest = dir.readJson("manifest.json");
    if (!manifest.is_array() || manifest.empty()) throwInputAt(dir.shownAs(), 0, "manifest.json lists no image");
    const json* chosen = &manifest[0];
    for (const auto& image : manifest)
        for (const auto& tag : stringsOf(image, "RepoTags"))
            if (tag == wanted) chosen = &image;
    Parsed p;
    p.format = "docker-save";
    try {
        const auto tags = stringsOf(*chosen, "RepoTags");
        if (!tags.empty()) p.name = tags[0];
        p.config = dir.readJson(chosen->at("Config").get<std::string>());
        p.layers = chosen->at("Layers").get<std::vector<std::string>>();
    } catch (const json::exception& e) {
        throwInputAt(dir.shownAs(), 0, std::string("manifest.json: ") + e.what());
    }
    return p;
}

Parsed parseOciLayout(const ArchiveDir& dir, const std::string& wanted) {
    const json layout = dir.readJson("oci-layout");
    if (layout.value("imageLayoutVersion", std::string{}).rfind("1.", 0) != 0)
        throwInputAt(dir.shownAs(), 0, "oci-layout: unsupported imageLayoutVersion");
    json index = dir.readJson("index.json");
    Parsed p;
    p.format = "oci-layout";
    try {
        // index -> (nested index ->) manifest; the one named `wanted` if any, else the first.
        for (int depth = 0; depth < 4; ++depth) {
            const json& manifests = index.at("manifests");
            if (!manifests.is_array() || manifests.empty()) throwInputAt(dir.shownAs(), 0, "index.json lists no manifest");
            const json* chosen = &manifests[0];
            for (const auto& m : manifests) {
                const std::string ref = m.value("annotations", json::object()).value("org.opencontainers.image.ref.name", "");
                if (!wanted.empty() && (ref == wanted || wanted.ends_with(":" + ref))) chosen = &m;
            }
            const std::string ref = chosen->value("annotations", json::object()).value("org.opencontainers.image.ref.name", "");
            if (p.name.empty() && !ref.empty()) p.name = ref;
            const json doc = dir.readJson(dir.blobPath(chosen->at("digest").get<std::string>()));
            if (doc.contains("manifests")) {
                index = doc;
                continue;
            }
            p.config = dir.readJson(dir.blobPath(doc.at("config").at("digest").get<std::string>()));
            for (const auto& layer : doc.at("layers")) p.layers.push_back(dir.blobPath(layer.at("digest").get<std::string>()));
            return p;
        }
    } catch (const json::exception& e) {
        throwInputAt(dir.shownAs(), 0, std::string("OCI manifest: ") + e.what());
    }
    throwInputAt(dir.shownAs(), 0, "index.json nests image indexes too deeply");
}

}  // namespace

ImportResult importImage(const ImageStore& store, const std::string& file, const std::string& name) {
    if (!name.empty()) validateImageName(name);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) throwInputAt(file, 0, "no such file or directory");

    ImageStore::WriteLock lock(store);
    StagingDir work(store.newStagingDir());
    std::string layout_dir = file;
    if (!S_ISDIR(st.st_mode)) {
        // The outer archive is untrusted too: the same unpacker, as a plain tree, no devices.
        layout_dir = work.path() + "/archive";
        if (::mkdir(layout_dir.c_str(), 0700) != 0) throwErrno("import: mkdir " + layout_dir);
        UnpackOptions plain;
        plain.image_layer = false;
        plain.allow_devices = false;
        unpackArchiveFileSafely(file, layout_dir, plain);
    }
    const ArchiveDir dir(file, layout_dir);
    Parsed parsed;
    if (dir.exists("manifest.json")) parsed = parseDockerSave(dir, name);
    else if (dir.exists("index.json")) parsed = parseOciLayout(dir, name);
    else throwInputAt(file, 0, "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)");

    ImportResult result;
    result.format = parsed.format;
    ImageRecord& record = result.image;
    record.name = name.empty() ? parsed.name : name;
    if (record.name.empty()) throwInputAt(file, 0, "the archive names no image: give one with -t NAME");
    validateImageName(record.name);

    UnpackOptions layer_options;
    layer_options.image_layer = true;
    layer_options.allow_devices = ::geteuid() == 0;
    for (size_t i = 0; i < parsed.layers.size(); ++i) {
        const std::string diff = work.path() + "/layer" + std::to_string(i);
        if (::mkdir(diff.c_str(), 0755) != 0) throwErrno("import: mkdir " + diff);
        UniqueFd blob = dir.open(parsed.layers[i]);
        const UnpackStats stats =
            unpackArchiveSafely(blob.release(), file + ": layer " + std::to_string(i + 1) + " (" + parsed.layers[i] + ")",
                                diff, layer_options);
        result.whiteouts += stats.whiteouts;
        result.opaque_dirs += stats.opaque_dirs;
        record.layers.push_back(store.commitLayer(diff));
    }
    json config = parsed.config.is_object() ? parsed.config.value("config", json::object()) : json::object();
    if (!config.is_object()) config = json::object();  // "config": null is valid OCI
    record.env = stringsOf(config, "Env");
    record.cmd = stringsOf(config, "Cmd");
    record.entrypoint = stringsOf(config, "Entrypoint");
    record.workdir = config.value("WorkingDir", std::string{});
    record.source = "import " + file;
    store.save(record);
    return result;
}

}  // namespace vl::ct::image
