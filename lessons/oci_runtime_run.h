// Running an OCI runtime bundle under a real peer runtime (runc or crun, Debian packages), as
// `runc run --bundle DIR ID` from a shell would, for lab.image.runBundle: lesson 13 compares
// their output with VirtLab's own run of the same image.
#pragma once

#include <QVariantMap>

#include <string>

#include "lessons/world_runs.h"

namespace vl::lessons {

// The runtime's absolute path in the usual system directories, or "" when not installed.
// Only these two names are ever looked up: a script cannot name another program.
std::string findRuntime(const std::string& name);

// Runs `program run --bundle DIR ID` with stdin closed and stdout/stderr captured, under the
// scenario's time budget; then `program delete --force ID`, so no state or cgroup of the
// runtime stays behind on any path. Result: the fields every world call returns (world "oci",
// state, exit_code, failure, console, seconds, counters {}, registers {}, listing []) plus
// runtime, container_id, stderr and crun_without_unified_cgroup.
QVariantMap runOciBundle(const std::string& program, const std::string& bundle_dir, ActiveEngine& active);

}  // namespace vl::lessons
