// What `container gc` must know about an image's layer mount (LayerStackMount, rootfs.h): the
// GUI and the lessons mount an image's overlay in the HOST's mount table while the container
// runs (a threaded process cannot take a private mount namespace), so a VirtLab SIGKILLed then
// leaves a mounted /tmp/virtlab-layers-* that no container record names.
//
// A record file, <stateBase()>/<holder name>.mount, is written BEFORE the holder directory is
// made and removed only after it is unmounted and gone; it names the holder directory and the
// owner by pid and start time (container_state.h). gc takes a record whose owner is gone:
// it detaches the mount, removes the holder directory (never crossing a mount) and the record.
// Files, not directories, so `ps` and the container gc never take them for a container.
#pragma once

#include <string>
#include <vector>

namespace vl::ct {

inline constexpr const char* kLayerMountRecordSuffix = ".mount";
inline constexpr const char* kLayerHolderPrefix = "virtlab-layers-";

class LayerMountRecord {
public:
    // Picks a free holder name under `parent` and records it under `base`, then makes the
    // holder directory (mode 0700). Throws vl::Error(System).
    LayerMountRecord(const std::string& parent, const std::string& base);
    ~LayerMountRecord();  // removes the record file only: the owner removed the holder first
    LayerMountRecord(const LayerMountRecord&) = delete;
    LayerMountRecord& operator=(const LayerMountRecord&) = delete;

    const std::string& holder() const { return holder_; }
    const std::string& recordPath() const { return record_; }

private:
    std::string holder_, record_;
};

struct LayerMountGarbage {
    std::vector<std::string> removed;   // "mount /tmp/virtlab-layers-x/root", "layers /tmp/virtlab-layers-x"
    std::vector<std::string> problems;
};

// For every record under `base` whose owner is gone: detach the mounts in its holder, remove
// the holder and the record. Records of live owners are left alone.
LayerMountGarbage collectLayerMountGarbage(const std::string& base);

}  // namespace vl::ct
