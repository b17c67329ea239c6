// What a scenario's lab.image.* calls do (lessons/README.md, "lab.image"): build images from a
// Labfile the script passes as text, with a context the script passes as {path: content},
// through the real builder (containers/image/image_build.h) into a real ImageStore; show the
// layer stack with its whiteouts; export an OCI bundle and run it under runc or crun.
//
// Sandboxing: a scenario sees only what it passes in. The store, the context and the bundles
// live in one private temporary directory per scenario run (not the student's own store at
// /var/lib/virtlab/images: a lesson must neither see nor disturb the student's images, and
// its first build must miss the cache every time it runs). The directory, and every layer,
// cache entry and bundle in it, is removed when the scenario ends.
#pragma once

#include <QString>
#include <QVariantMap>

#include <memory>
#include <optional>
#include <string>

#include "containers/image/image_store.h"
#include "core/temp_dir.h"
#include "lessons/world_runs.h"

namespace vl::lessons {

class ImageLab {
public:
    ImageLab();
    ~ImageLab();
    ImageLab(const ImageLab&) = delete;
    ImageLab& operator=(const ImageLab&) = delete;

    // Each throws vl::Error(Input) for bad options and WorldSkipped where images cannot be
    // built or run here (the same reasons as lab.container, plus a missing runc/crun).
    QVariantMap build(const QVariantMap& options, ActiveEngine& active);
    QVariantMap inspect(const QVariantMap& options);
    QVariantMap remove(const QVariantMap& options);
    QVariantMap list();
    QVariantMap bundle(const QVariantMap& options);
    QVariantMap runBundle(const QVariantMap& options, ActiveEngine& active);

    // For lab.container({image}): the named image of this scenario's store.
    ct::image::ResolvedImage resolve(const QString& call, const QString& name);

private:
    const ct::image::ImageStore& store();  // made on first use
    std::string newWorkDir(const std::string& prefix);
    // Exports `options.image` (with command/argv when given) into a fresh directory.
    std::string exportInto(const QString& call, const QVariantMap& options);

    std::optional<TempDir> root_;
    std::unique_ptr<ct::image::ImageStore> store_;
    int serial_ = 0;
};

}  // namespace vl::lessons
