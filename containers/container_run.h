// One container run from start to reaped exit, as an explicit, timed list of phases:
//
//   rootfs-check  state-dir  cgroup-create  plan  clone                      (parent)
//   cgroup-attach  (the child itself when spawned; the parent when forked: rootless, --net
//                   bridge or --init, container_process.h)
//   uid-gid-maps (rootless), network (--net bridge: veth pair, address)       (parent, forked)
//   mounts  cgroupns  proc  masks  dev  pivot_root  hostname  loopback  security (child, planned)
//   exec                                                                      (child -> parent)
//
// Every kernel object it makes has an owner that removes it on every exit path, in reverse
// order: the container process (SIGKILL + reap), the state directory, the cgroup.
// Used by ContainerEngine; the engine turns what happens into events and counters.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "containers/cgroup.h"
#include "containers/container_config.h"
#include "containers/container_process.h"

namespace vl::ct {

struct PhaseTiming {
    std::string name;
    double ms = 0;
    bool in_container = false;  // run by the container's first process, not by VirtLab
};

struct NamespaceInfo {
    std::string name;               // "pid", "mnt", "uts", "ipc", "net", "cgroup"; "user" when rootless
    uint64_t host_inode = 0;        // this VirtLab process's namespace (/proc/self/ns/NAME)
    uint64_t container_inode = 0;   // the container's, as its first process saw it
};

struct RunResult {
    std::string id, hostname, rootfs, rootfs_mode;  // rootfs_mode: "overlay" or "read-only bind"
    std::string cgroup_path, cgroup_version;
    pid_t host_pid = -1;
    std::vector<PhaseTiming> phases;
    std::vector<NamespaceInfo> namespaces;
    CgroupReadings cgroup;
    int exit_code = -1;            // the command's (128+signal when killed)
    std::string start_failure;     // set when the container never reached its command
    std::string cleanup_problem;   // set when something could not be removed
    double run_ms = 0;             // from exec to exit
    net::NetworkInfo network;      // --net bridge: the address and interfaces it had
    // Rootless runs (user_namespace.h): how ids were mapped ("single" or "subordinate"), the
    // maps as /proc/PID/uid_map shows them, and why there is no cgroup when there is none
    // (cgroup_version is then "none").
    bool rootless = false;
    std::string id_map_method, uid_map, gid_map;
    std::string cgroup_note;
};

// What the engine hears while the run goes on (called on the running thread).
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void phase(const PhaseTiming& timing) = 0;
    virtual void output(int stream, std::string_view bytes) = 0;  // 1 stdout, 2 stderr (captured mode)
    // The process exists (its pidfd stays valid until ended()); a stop may signal it.
    virtual void started(pid_t pid, int pidfd) = 0;
    virtual void ended() = 0;
    // The command is running: execve() succeeded (the CLOEXEC pipe closed, no step failed).
    virtual void running() {}
    virtual bool stopRequested() const = 0;
    // A descriptor whose becoming readable asks for a stop (the CLI's signalfd), polled with
    // the container's own descriptors while it runs; -1 for none.
    virtual int stopFd() const { return -1; }
};

// Runs the container described by `config` (validated) under `id`. Problems before the
// command starts end up in result.start_failure (the kind of vl::Error is kept for input
// problems, which are thrown); the command's own failure is just its exit code.
RunResult runContainer(const ContainerConfig& config, const std::string& id, RunObserver& observer);

}  // namespace vl::ct
