// What `ps`, `inspect`, `stop`, `rm`, `exec` and `gc` know about a container: one record per
// state directory (<stateBase()>/<id>/state), rewritten atomically (tmp + rename) whenever
// the container changes state, so a reader never sees half a record.
//
// Every record names its owner, the process that removes the container's resources (the
// foreground `virtlab container run`, or the monitor of a detached one), by pid AND start
// time: a pid alone may have been reused by an unrelated process after the owner died, and
// gc must never mistake that process for a live owner (or signal it as the container).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "containers/net/network_info.h"

namespace vl::ct {

// /run/virtlab as root; $XDG_RUNTIME_DIR/virtlab otherwise (vl::Error(Input) when that is unset).
std::string stateBase();

// The start time of `pid` (field 22 of /proc/PID/stat, clock ticks since boot); nullopt when
// no such process exists.
std::optional<uint64_t> processStartTime(pid_t pid);
// True when `pid` runs and started at `start_time` (the very process a record names).
bool sameProcessAlive(pid_t pid, uint64_t start_time);
// A pidfd for that very process, or -1: opened first, then the start time checked, so the
// descriptor cannot refer to a later process that reused the pid.
int openVerifiedPidfd(pid_t pid, uint64_t start_time);

struct ContainerRecord {
    std::string id, name, hostname;
    std::string status;               // "starting", "running", "exited"
    std::vector<std::string> argv;
    std::string rootfs, isolation;
    std::string cgroup_version;       // "v1" | "v2"
    std::map<std::string, std::string> cgroup_dirs;  // controller -> directory
    pid_t owner_pid = -1;
    uint64_t owner_start = 0;
    pid_t pid = -1;                   // the container's first process, as the host sees it
    uint64_t pid_start = 0;
    int64_t created_unix = 0;
    std::optional<int> exit_code;
    bool detached = false;
    std::string limits;               // "memory=67108864 pids=32 cpu_quota_us=50000", for inspect
    net::NetworkInfo network;         // the address is set while a bridge attachment holds it
    std::vector<std::string> env;     // --env, as given (K=V)
    std::string workdir, user;        // --workdir, --user ("" when not given)
    bool init = false;                // --init: VirtLab's init is pid 1
    // Rootless runs: "single" or "subordinate" (user_namespace.h), the maps as written
    // (/proc/PID/uid_map text), and why the container has no cgroup when it has none.
    std::string image;                // --image NAME it was started from ("" none): image rm checks
    bool rootless = false;
    std::string id_map_method, uid_map, gid_map, cgroup_note;

    std::string serialize() const;
    // Throws vl::Error(Input) naming `path` and the line for a malformed record.
    static ContainerRecord parse(const std::string& text, const std::string& path);

    bool ownerAlive() const { return sameProcessAlive(owner_pid, owner_start); }
    bool containerAlive() const { return pid > 0 && sameProcessAlive(pid, pid_start); }
    // What `ps` shows: the recorded status, or "dead" when the owner is gone without having
    // finished (killed: `gc` cleans up).
    std::string liveStatus() const;
};

// The record in `state_dir`, or nullopt if it has none (yet) or it cannot be read.
std::optional<ContainerRecord> readRecord(const std::string& state_dir);
// Every state directory under `base` (sorted by name).
std::vector<std::string> listStateDirs(const std::string& base = stateBase());
// Finds a container by full id, unique id prefix or name; throws vl::Error(Input) otherwise.
std::string findStateDir(const std::string& id_or_name, const std::string& base = stateBase());

}  // namespace vl::ct
