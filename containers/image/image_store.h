// The image store: content-addressed layers and named image records, on disk under
//   /var/lib/virtlab/images             as root (mode 0700: layers may hold device nodes)
//   $XDG_DATA_HOME/virtlab/images       otherwise (~/.local/share when unset)
// Layout:
//   layers/<sha256>/diff/   one layer, an overlayfs-ready directory (layer_tree.h); <sha256>
//                           is digestLayerTree(diff), so equal content is stored once
//   images/<sha256 of name>.json   one image record (name, layer chain, Env, WorkingDir, Cmd)
//   cache/<key>             build cache: a Labfile step's key -> the layer it made ("" none)
//                           and the layer below it
//   tmp/                    staging for layers being made; renamed into layers/ when complete
//   lock                    flock: one writer at a time (build, import, rm)
// Every record and cache entry is written to a temporary name and renamed, and a layer
// becomes visible only by the rename of its finished directory, so a killed VirtLab never
// leaves a half-written image; stale staging is removed by the next writer.
//
//   vl::ct::image::ImageStore store;
//   auto image = store.resolve("hello");     // lower dirs (top first), env, workdir, argv
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "containers/image/layer_tree.h"
#include "containers/unique_fd.h"

namespace vl::ct::image {

std::string defaultImageStoreDir();

// Names: lowercase letters, digits, '.', '_', '-', '/' (as "library/busybox"), then an
// optional ":tag"; at most 200 characters. Throws vl::Error(Input) otherwise.
void validateImageName(const std::string& name);

struct ImageRecord {
    std::string name;
    std::vector<std::string> layers;   // layer ids, bottom first
    std::vector<std::string> env;      // "KEY=value", in order
    std::string workdir;               // "" -> "/"
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::string source;                // "build Labfile", "import image.tar"
    std::string created;               // UTC, ISO 8601
    // What runs by default: entrypoint followed by cmd (the OCI image spec's rule).
    std::vector<std::string> defaultArgv() const;
};

struct LayerView {
    std::string id;
    std::string dir;                       // the overlay lowerdir
    std::vector<WhiteoutEntry> whiteouts;  // deletions and opaque directories in this layer
};

// Everything a runtime, the GUI's layer-stack view or a lesson needs to use an image.
struct ResolvedImage {
    std::string name;
    std::vector<std::string> lower_dirs;  // top layer first, as overlayfs's lowerdir= lists them
    std::vector<LayerView> layers;        // bottom first, with their whiteouts
    std::vector<std::string> env;
    std::string workdir;                  // never empty ("/" by default)
    std::vector<std::string> argv;        // entrypoint + cmd; may be empty
};

class ImageStore {
public:
    explicit ImageStore(std::string root = defaultImageStoreDir());

    const std::string& root() const { return root_; }
    std::string layerDir(const std::string& id) const;  // <root>/layers/<id>/diff
    bool hasLayer(const std::string& id) const;

    // Held by every writer; also clears staging left by killed writers (nobody else can be
    // staging while we hold it). Creates the store on first use.
    class WriteLock {
    public:
        explicit WriteLock(const ImageStore& store);
    private:
        UniqueFd fd_;
    };

    // A fresh directory under tmp/ (needs the WriteLock). The caller owns it.
    std::string newStagingDir() const;
    // Moves a finished layer tree into layers/<digest> (or drops it when that layer exists)
    // and returns the digest. `diff_dir` must be inside a staging dir from newStagingDir().
    std::string commitLayer(const std::string& diff_dir) const;

    std::vector<ImageRecord> list() const;                      // sorted by name
    std::optional<ImageRecord> find(const std::string& name) const;
    ImageRecord get(const std::string& name) const;             // vl::Error(Input) "no image 'x'"
    void save(const ImageRecord& record) const;                 // atomic; every layer must exist
    // Removes the record, then every layer no remaining image refers to; returns their ids.
    std::vector<std::string> remove(const std::string& name) const;
    std::vector<std::string> collectGarbage() const;
    // `image prune`: collectGarbage(), and also the build-cache entries that no layer anchors
    // (a config-only step, ENV or CMD, on an empty parent: made no layer, sits on none), which
    // the layer rule alone never drops. Returns how many cache entries went.
    size_t pruneBuildCache() const;
    ResolvedImage resolve(const std::string& name) const;

    // Build cache: key -> the layer the step made ("" none). `below` is the top layer under
    // the step: garbage collection drops the entry once either layer is gone.
    std::optional<std::string> cacheLookup(const std::string& key) const;
    void cacheStore(const std::string& key, const std::string& layer_id, const std::string& below = "") const;

    // Identity of an image's content (layers and config, not its name): the FROM cache key.
    static std::string contentDigest(const ImageRecord& record);

private:
    std::string recordPath(const std::string& name) const;
    std::string root_;
};

// The default store's resolve(): what `container run --image NAME` needs.
ResolvedImage resolveImage(const std::string& name);

// Writes `text` to `path` through a temporary sibling and rename(2).
void writeFileAtomically(const std::string& path, const std::string& text);

// Owns a staging directory and removes it (never crossing a mount) unless released.
class StagingDir {
public:
    explicit StagingDir(std::string path) : path_(std::move(path)) {}
    ~StagingDir();
    StagingDir(const StagingDir&) = delete;
    StagingDir& operator=(const StagingDir&) = delete;
    const std::string& path() const { return path_; }
private:
    std::string path_;
};

}  // namespace vl::ct::image
