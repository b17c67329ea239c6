// `virtlab image import FILE [-t NAME]`: an image from outside VirtLab, in one of
//   - an OCI image layout (image-spec layout.md): a directory, or a tar of one, holding
//     oci-layout, index.json and blobs/sha256/<digest> (what umoci, skopeo and buildah write);
//   - a `docker save` archive: manifest.json naming each image's config and layer tars
//     (older Docker) or OCI blobs (Docker 25 and later, which writes both).
// Every blob's SHA-256 is checked against its name; each layer tar is unpacked by
// safe_unpack.h (whiteouts become overlayfs whiteouts) into staging and committed to the
// store; the record is written last. Bad or hostile input: vl::Error(Input), exit status 2,
// nothing written outside the store's staging area, which is removed again.
#pragma once

#include <string>

#include "containers/image/image_store.h"

namespace vl::ct::image {

struct ImportResult {
    ImageRecord image;
    std::string format;   // "oci-layout" or "docker-save"
    size_t whiteouts = 0;
    size_t opaque_dirs = 0;
};

// name "" -> the archive's own name (docker's RepoTags, OCI's org.opencontainers.image.ref.name).
ImportResult importImage(const ImageStore& store, const std::string& file, const std::string& name);

}  // namespace vl::ct::image
