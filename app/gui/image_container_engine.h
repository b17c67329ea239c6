// A container whose root is a stored image (what `virtlab container run --image NAME` does):
// the image's layers are mounted as one overlay (LayerStackMount) before the runtime starts,
// the runtime puts its own tmpfs upper on top, and the mount goes when the engine does. The
// image's Env, WorkingDir and Cmd apply under the pane's settings, as on the command line.
//
// The GUI is multi-threaded, so it cannot move itself into a private mount namespace as the
// CLI does (unshare(CLONE_NEWNS) refuses a threaded process): the overlay is in the host's
// table while the container runs, and is detached when run() returns (and by the destructor,
// on every other path). Should VirtLab be killed meanwhile, `container gc` unmounts it: the
// mount is recorded under the state base first (containers/layer_mount_record.h).
#pragma once

#include <memory>

#include "containers/container_engine.h"
#include "containers/image/image_store.h"
#include "containers/rootfs.h"

namespace vl::gui {

namespace detail {
// Base-from-member: the mount must exist before ContainerEngine's constructor validates the
// rootfs, and be unmounted only after the engine (and any container it ran) is gone.
struct ImageRoot {
    explicit ImageRoot(const ct::image::ResolvedImage& image);
    std::unique_ptr<ct::LayerStackMount> mount;
};
}  // namespace detail

class ImageContainerEngine : private detail::ImageRoot, public ct::ContainerEngine {
public:
    // Throws vl::Error(Input) for a bad config, vl::Error(System) when the overlay is refused.
    ImageContainerEngine(const ct::image::ResolvedImage& image, ct::ContainerConfig config);

    const std::string& rootPath() const { return mount->path(); }

    // Runs the container, then unmounts the image at once: the pane keeps a finished engine
    // to show its record, and the overlay must not outlive the container in the host's table.
    // A run after reset() finds an empty root and fails with the runtime's own message; the
    // pane never does that (each Run builds a new engine).
    RunState run(uint64_t budget = 0) override;

private:
    static ct::ContainerConfig withImage(const ct::image::ResolvedImage& image, const std::string& root,
                                         ct::ContainerConfig config);
};

}  // namespace vl::gui
