#include "containers/image/image_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "containers/file_io.h"
#include "containers/image/sha256.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct::image {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void makeDir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throwErrno("image store: mkdir " + path);
}

std::vector<std::string> entriesOf(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name != "." && name != "..") names.push_back(name);
        }
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
}

json toJson(const ImageRecord& r) {
    return json{{"name", r.name},       {"layers", r.layers},         {"env", r.env},
                {"workdir", r.workdir}, {"entrypoint", r.entrypoint}, {"cmd", r.cmd},
                {"source", r.source},   {"created", r.created}};
}

ImageRecord fromJson(const json& j) {
    ImageRecord r;
    r.name = j.at("name").get<std::string>();
    r.layers = j.at("layers").get<std::vector<std::string>>();
    r.env = j.value("env", std::vector<std::string>{});
    r.workdir = j.value("workdir", std::string{});
    r.entrypoint = j.value("entrypoint", std::vector<std::string>{});
    r.cmd = j.value("cmd", std::vector<std::string>{});
    r.source = j.value("source", std::string{});
    r.created = j.value("created", std::string{});
    return r;
}

std::string nowUtc() {
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

}  // namespace

std::string defaultImageStoreDir() {
    if (::geteuid() == 0) return "/var/lib/virtlab/images";
    std::string base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/') base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.local/share";
    else base = "/tmp";
    return base + "/virtlab/images";
}

void validateImageName(const std::string& name) {
    const size_t colon = name.find(':');
    const std::string repo = name.substr(0, colon);
    bool ok = !repo.empty() && name.size() <= 200 && std::isalnum(static_cast<unsigned char>(repo[0]));
    for (char c : repo) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/');
    ok = ok && repo.find("..") == std::string::npos && repo.find("//") == std::string::npos && repo.back() != '/';
    if (colon != std::string::npos) {
        const std::string tag = name.substr(colon + 1);
        ok = ok && !tag.empty();
        for (char c : tag) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
    }
    if (!ok)
        throwInput("image name '" + name + "': use lowercase letters, digits, '.', '_', '-', '/' and an optional :tag");
}

std::vector<std::string> ImageRecord::defaultArgv() const {
    std::vector<std::string> argv = entrypoint;
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    return argv;
}

void writeFileAtomically(const std::string& path, const std::string& text) {
    std::string temp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) throwErrno("image store: create " + temp);
    UniqueFd owned(fd);
    if (const int err = writeAll(fd, text); err != 0) {
        ::unlink(temp.c_str());
        throwSystem("image store: write " + temp, err);
    }
    // Data on disk before the name points at it: a crash leaves the old file or the new one.
    if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        throwSystem("image store: replace " + path, saved);
    }
}

StagingDir::~StagingDir() {
    if (!path_.empty()) removeTreeOnOneFileSystem(path_);
}

ImageStore::ImageStore(std::string root) : root_(std::move(root)) {}

std::string ImageStore::layerDir(const std::string& id) const { return root_ + "/layers/" + id + "/diff"; }

bool ImageStore::hasLayer(const std::string& id) const {
    struct stat st {};
    return isHexDigest(id) && ::lstat(layerDir(id).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

ImageStore::WriteLock::WriteLock(const ImageStore& store) {
    try {
        fs::create_directories(fs::path(store.root_).parent_path());
    } catch (const fs::filesystem_error& e) {
        throwSystem("image store: create " + store.root_, e.code().value());
    }
    // 0700 as root: layers keep their device nodes and set-uid files, which must not be
    // reachable by host users through the store (Docker keeps /var/lib/docker 0700 too).
    makeDir(store.root_, 0700);
    for (const char* sub : {"layers", "images", "cache", "tmp"}) makeDir(store.root_ + "/" + sub, 0700);
    const std::string lock = store.root_ + "/lock";
    fd_.reset(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_) throwErrno("image store: open " + lock);
    while (::flock(fd_.get(), LOCK_EX) != 0)
        if (errno != EINTR) throwErrno("image store: flock " + lock);
    for (const auto& name : entriesOf(store.root_ + "/tmp")) removeTreeOnOneFileSystem(store.root_ + "/tmp/" + name);
}

std::string ImageStore::newStagingDir() const {
    std::string pattern = root_ + "/tmp/stage-XXXXXX";
    if (!::mkdtemp(pattern.data())) throwErrno("image store: mkdtemp " + pattern);
    return pattern;
}

std::string ImageStore::commitLayer(const std::string& diff_dir) const {
    const std::string id = digestLayerTree(diff_dir);
    if (hasLayer(id)) return id;  // same content already stored; the staging copy goes with its owner
    const std::string holder = fs::path(diff_dir).parent_path().string() + "/commit-" + id;
    makeDir(holder, 0700);
    if (::rename(diff_dir.c_str(), (holder + "/diff").c_str()) != 0) throwErrno("image store: move layer " + diff_dir);
    if (::rename(holder.c_str(), (root_ + "/layers/" + id).c_str()) != 0) throwErrno("image store: commit layer " + id);
    return id;
}

std::string ImageStore::recordPath(const std::string& name) const {
    return root_ + "/images/" + sha256Hex(name) + ".json";
}

std::vector<ImageRecord> ImageStore::list() const {
    std::vector<ImageRecord> out;
    for (const auto& file : entriesOf(root_ + "/images")) {
        if (!file.ends_with(".json")) continue;
        const auto text = readTextFile(root_ + "/images/" + file);
        if (!text) continue;
        try {
            out.push_back(fromJson(json::parse(*text)));
        } catch (const json::exception& e) {
            throwSystem("image store: damaged record " + root_ + "/images/" + file + ": " + e.what(), EINVAL);
        }
    }
    std::sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) { return a.name < b.name; });
    return out;
}

std::optional<ImageRecord> ImageStore::find(const std::string& name) const {
    const auto text = readTextFile(recordPath(name));
    if (!text) return std::nullopt;
    try {
        return fromJson(json::parse(*text));
    } catch (const json::exception& e) {
        throwSystem("image store: damaged record " + recordPath(name) + ": " + e.what(), EINVAL);
    }
}

ImageRecord ImageStore::get(const std::string& name) const {
    auto record = find(name);
    if (!record) throwInput("no image '" + name + "' (see virtlab image ls)");
    return *record;
}

void ImageStore::save(const ImageRecord& record) const {
    validateImageName(record.name);
    for (const auto& id : record.layers)
        if (!hasLayer(id)) throwSystem("image store: layer " + id + " of " + record.name + " is missing", ENOENT);
    ImageRecord stamped = record;
    if (stamped.created.empty()) stamped.created = nowUtc();
    writeFileAtomically(recordPath(record.name), toJson(stamped).dump(2) + "\n");
}

std::vector<std::string> ImageStore::remove(const std::string& name) const {
    const std::string path = recordPath(name);
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) throwInput("no image '" + name + "' (see virtlab image ls)");
        throwErrno("image store: remove " + path);
    }
    return collectGarbage();
}

std::vector<std::string> ImageStore::collectGarbage() const {
    std::set<std::string> used;
    for (const auto& record : list()) used.insert(record.layers.begin(), record.layers.end());
    std::vector<std::string> removed;
    for (const auto& id : entriesOf(root_ + "/layers")) {
        if (used.count(id)) continue;
        // Renamed out of layers/ first, so a half-removed layer is never taken for a whole one.
        const std::string doomed = newStagingDir();
        if (::rename((root_ + "/layers/" + id).c_str(), (doomed + "/layer").c_str()) != 0) throwErrno("image store: remove layer " + id);
        removeTreeOnOneFileSystem(doomed);
        removed.push_back(id);
    }
    // Build-cache entries that point at a layer just removed can never hit again.
    for (const auto& key : entriesOf(root_ + "/cache"))
        if (!cacheLookup(key)) ::unlink((root_ + "/cache/" + key).c_str());
    return removed;
}

ResolvedImage ImageStore::resolve(const std::string& name) const {
    const ImageRecord record = get(name);
    ResolvedImage out;
    out.name = record.name;
    for (const auto& id : record.layers) {
        if (!hasLayer(id)) throwSystem("image store: layer " + id + " of " + name + " is missing", ENOENT);
        out.layers.push_back({id, layerDir(id), listWhiteouts(layerDir(id))});
    }
    for (auto it = out.layers.rbegin(); it != out.layers.rend(); ++it) out.lower_dirs.push_back(it->dir);
    out.env = record.env;
    out.workdir = record.workdir.empty() ? "/" : record.workdir;
    out.argv = record.defaultArgv();
    return out;
}

size_t ImageStore::pruneBuildCache() const {
    collectGarbage();
    size_t removed = 0;
    for (const auto& key : entriesOf(root_ + "/cache")) {
        const auto text = readTextFile(root_ + "/cache/" + key);
        // "<layer>\n<below>" with both empty: remade by any build at no cost (no layer work).
        if (text && text->find_first_not_of('\n') == std::string::npos && ::unlink((root_ + "/cache/" + key).c_str()) == 0)
            ++removed;
    }
    return removed;
}

std::optional<std::string> ImageStore::cacheLookup(const std::string& key) const {
    if (!isHexDigest(key)) return std::nullopt;
    const auto text = readTextFile(root_ + "/cache/" + key);
    if (!text) return std::nullopt;
    const size_t newline = text->find('\n');
    const std::string layer = text->substr(0, newline);
    const std::string below = newline == std::string::npos ? "" : text->substr(newline + 1);
    if ((!layer.empty() && !hasLayer(layer)) || (!below.empty() && !hasLayer(below))) return std::nullopt;
    return layer;
}

void ImageStore::cacheStore(const std::string& key, const std::string& layer_id, const std::string& below) const {
    writeFileAtomically(root_ + "/cache/" + key, layer_id + "\n" + below);
}

std::string ImageStore::contentDigest(const ImageRecord& record) {
    json j = toJson(record);
    j.erase("name");
    j.erase("created");
    j.erase("source");
    return sha256Hex(j.dump());
}

ResolvedImage resolveImage(const std::string& name) { return ImageStore().resolve(name); }

}  // namespace vl::ct::image
