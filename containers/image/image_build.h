// `virtlab image build`: a Labfile (labfile.h) turned into an image, step by step, with
// Docker's layer cache. Each step's cache key is
//     sha256(parent step's key, the instruction as written, the content COPY copies)
// so a rebuild hits the cache for every step up to the first one whose instruction or copied
// content changed, and misses from there on: what Docker's classic builder does (file
// contents and modes count, modification times do not).
//
// What makes a layer (as in Docker): RUN, COPY, and WORKDIR when it has to create the
// directory. ENV and CMD change only the image's config. FROM busybox is VirtLab's busybox
// root file system (rootfs.h) as a base layer; FROM NAME continues a stored image.
//
// RUN runs in a real container (ContainerEngine: namespaces, cgroup, capabilities, seccomp).
// The runtime's own root is a throw-away overlay, so the build mounts the image's layers with
// a fresh upper directory (LayerStackMount), binds that union into the container at
// /.virtlab-build, and the command runs chroot'ed into it; whatever it writes lands in the
// upper directory, which becomes the new layer (whiteouts and opaque directories included).
// The chroot'ed command sees no /proc and no /dev, and the image needs /bin/sh.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "containers/image/image_store.h"

namespace vl::ct::image {

struct BuildRequest {
    std::string labfile;  // path
    std::string name;     // the image to create or replace
    std::string context;  // directory COPY sources are relative to ("" -> the Labfile's directory)
};

struct BuildStepReport {
    size_t index = 0;     // 1-based
    size_t total = 0;
    long line = 0;
    std::string text;     // the instruction as written
    bool cache_hit = false;
    std::string layer;    // the layer this step added ("" when it added none)
    std::string output;   // RUN's stdout and stderr
};

struct BuildResult {
    ImageRecord image;
    std::vector<BuildStepReport> steps;
};

// Parses and checks the whole Labfile (every COPY source inside the context, FROM's image
// present) before anything is written: bad input is vl::Error(Input) "FILE:LINE: reason"
// with the store untouched. A failing RUN is vl::Error(Guest) "FILE:LINE: RUN exited with
// status N"; the layers of the steps before it stay in the build cache, no record is written.
// `progress` is called once per step, after it finished.
BuildResult buildImage(const ImageStore& store, const BuildRequest& request,
                       const std::function<void(const BuildStepReport&)>& progress = {});

}  // namespace vl::ct::image
