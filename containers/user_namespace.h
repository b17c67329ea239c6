// Rootless containers: the user namespace and its uid/gid maps (user_namespaces(7)).
//
// The container's first process is cloned with CLONE_NEWUSER beside the other namespace
// flags, so the kernel makes the user namespace first and the pid, mount, UTS, IPC, network
// (and later cgroup) namespaces are owned by it: "root" inside has capabilities over those and
// over nothing on the host. Until the parent writes the maps, the child's ids are the overflow
// id 65534; the parent writes them before it releases the child.
//
// Two ways to map, as Podman and rootlesskit choose:
//  - single: the caller's uid and gid as 0 inside, nothing else. An unprivileged process may
//    write exactly that itself, after "deny" into /proc/PID/setgroups (CVE-2014-8989: a
//    process that could call setgroups() in its own namespace could drop a group that denies
//    it access on the host).
//  - subordinate: 0 -> the caller, 1..N -> the range /etc/subuid and /etc/subgid give the
//    caller, written by the set-uid helpers newuidmap/newgidmap (Debian package uidmap), the
//    only way an unprivileged user gets more than one id.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vl::ct {

// One line of /proc/PID/uid_map: `count` ids from `inside` map to `outside` upwards.
struct IdMapping {
    uint32_t inside = 0, outside = 0, count = 0;
    bool operator==(const IdMapping&) const = default;
};

// A user's subordinate range from /etc/subuid or /etc/subgid ("name:start:count" lines).
struct SubordinateRange {
    uint32_t start = 0, count = 0;
};

struct UserNamespaceMaps {
    std::vector<IdMapping> uids, gids;
    // "single" or "subordinate": which of the two ways above (shown by inspect).
    std::string method;
    std::string newuidmap, newgidmap;  // the helpers' paths (subordinate only)
    // The highest uid/gid mapped inside (0 for single): --user beyond it cannot work.
    uint32_t highestUid() const;
    uint32_t highestGid() const;
};

// Pure: the first line of a subuid/subgid file for `user_name` or for the numeric `id` (both
// spellings are valid there), with a non-zero count. Comments and malformed lines are skipped.
std::optional<SubordinateRange> findSubordinateRange(std::string_view file_text, const std::string& user_name, uint32_t id);

// Pure: the maps for a caller with these ids, subordinate when both ranges and both helpers
// were found, else single.
UserNamespaceMaps chooseUserNamespaceMaps(uint32_t uid, uint32_t gid, const std::optional<SubordinateRange>& sub_uids,
                                          const std::optional<SubordinateRange>& sub_gids, const std::string& newuidmap,
                                          const std::string& newgidmap);

// The same for this process: its effective ids, /etc/subuid and /etc/subgid, the helpers
// found in /usr/bin or /bin.
UserNamespaceMaps userNamespaceMapsForCaller();

// "0 1000 1\n1 100000 65536\n": the text /proc/PID/uid_map takes (and shows).
std::string mapText(const std::vector<IdMapping>& mappings);

// Writes the maps of the user namespace `pid` was cloned into: directly for single (after
// "deny" into setgroups), through newuidmap/newgidmap for subordinate. Throws
// vl::Error(System) naming the file or helper that refused.
void writeUserNamespaceMaps(pid_t pid, const UserNamespaceMaps& maps);

// Whether this kernel lets an unprivileged user create a user namespace, and if not why
// ("" when it does): user.max_user_namespaces, Debian's kernel.unprivileged_userns_clone.
std::string unprivilegedUserNamespacesRefusal();

}  // namespace vl::ct
