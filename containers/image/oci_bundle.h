// `virtlab image export-bundle NAME DIR`: an OCI runtime bundle (runtime-spec bundle.md):
// DIR/config.json plus DIR/rootfs, the image's layers flattened (whiteouts applied), which the
// real peers start with `crun run --bundle DIR ID` and `runc run --bundle DIR ID`.
// config.json asks for what `virtlab container run` sets up: new pid, mount, ipc, uts,
// network and cgroup namespaces, proc, a tmpfs /dev, read-only sysfs, the default capability
// set, no_new_privs, and the same masked and read-only paths (hardening.h); process.args,
// env and cwd come from the image (env gets PATH when the image sets none, as Docker does).
// The bundle is assembled in a temporary sibling and renamed to DIR, which must not exist
// or be empty.
#pragma once

#include <string>
#include <vector>

#include "containers/image/image_store.h"

namespace vl::ct::image {

struct BundleOptions {
    std::vector<std::string> args;  // empty -> the image's entrypoint + cmd
    std::string hostname = "virtlab";
};

// The config.json text for `image` (exposed for tests and the GUI).
std::string ociRuntimeConfig(const ResolvedImage& image, const BundleOptions& options);

void exportBundle(const ImageStore& store, const std::string& name, const std::string& dir,
                  const BundleOptions& options = {});

}  // namespace vl::ct::image
