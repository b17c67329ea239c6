// Where built guest programs and kernels live. Looked up in order: $VIRTLAB_ASSETS, the
// build tree this binary came from, then the installed share directory.
#pragma once

#include <string>

namespace vl {

// Absolute path of a built asset such as "guest/kernel.bin"; throws vl::Error (System) naming
// every place it looked when the asset is missing.
std::string builtAsset(const std::string& relative);
// Absolute path of an asset source such as "programs/hello.asm" (for listings and lessons).
std::string sourceAsset(const std::string& relative);

}  // namespace vl
