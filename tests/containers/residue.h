// What a container run may leave behind on the host, found the way a user would look:
// cgroup directories, mounts in the host's mount table, state directories, and network
// interfaces (the vlab0 bridge, vl<id> veths).
#pragma once

#include <string>
#include <vector>

namespace vl::test {

// Every directory whose name contains `needle` under every mounted cgroup hierarchy.
std::vector<std::string> cgroupsNamed(const std::string& needle);
// Cgroup directories named *virtlab* where the runs this test starts create theirs: below
// our own cgroup in each v1 hierarchy, anywhere in the v2 one.
std::vector<std::string> virtlabCgroupsBelowOwn();
// Lines of this process's /proc/self/mountinfo that contain `needle`.
std::vector<std::string> hostMountsMentioning(const std::string& needle);
// VirtLab's host interfaces (the vlab0 bridge, vl<id> veths) that no container with a live
// owner accounts for.
std::vector<std::string> virtlabLinksWithoutALiveOwner();
// Image overlays (LayerStackMount) a run left: records under the state base whose owner is
// gone, and /tmp/virtlab-layers-* directories no live owner's record names.
std::vector<std::string> layerMountLeftovers();
// All of it for one container id (plus the general checks above) that is still there after
// a short settling time; empty means clean.
std::vector<std::string> residueOf(const std::string& id);

}  // namespace vl::test
