#include "app/gui/image_container_engine.h"

namespace vl::gui {

detail::ImageRoot::ImageRoot(const ct::image::ResolvedImage& image)
    : mount(std::make_unique<ct::LayerStackMount>(image.lower_dirs)) {}

ImageContainerEngine::ImageContainerEngine(const ct::image::ResolvedImage& image, ct::ContainerConfig config)
    : detail::ImageRoot(image), ct::ContainerEngine(withImage(image, mount->path(), std::move(config))) {}

RunState ImageContainerEngine::run(uint64_t budget) {
    try {
        const RunState state = ct::ContainerEngine::run(budget);
        mount->unmount();
        return state;
    } catch (...) {
        mount->unmount();
        throw;
    }
}

ct::ContainerConfig ImageContainerEngine::withImage(const ct::image::ResolvedImage& image, const std::string& root,
                                                    ct::ContainerConfig config) {
    // The image's settings under the pane's, as `container run --image` applies them: the
    // pane's --env entries come later and win; its command replaces the image's Cmd.
    config.env.insert(config.env.begin(), image.env.begin(), image.env.end());
    if (config.workdir.empty()) config.workdir = image.workdir;
    if (config.argv.empty()) config.argv = image.argv;
    config.rootfs = root;
    return config;
}

}  // namespace vl::gui
