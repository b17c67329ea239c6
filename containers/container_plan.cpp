#include "containers/container_plan.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <sstream>

#include "containers/hardening.h"
#include "core/error.h"

namespace vl::ct {

namespace {

using Op = ChildPlan::Op;

// overlayfs splits its options on ',' and its layer lists on ':'; such a path cannot be
// written into the options safely, so it gets the read-only bind instead (empty options
// make the overlay mount fail and the child take its fallback).
bool overlaySafePath(const std::string& path) { return path.find_first_of(",:\\") == std::string::npos; }

}  // namespace

const std::vector<std::string>& childPhaseNames(Isolation isolation) {
    static const std::vector<std::string> pivot{"mounts", "cgroupns", "proc", "masks", "dev", "pivot_root",
                                                "hostname", "loopback", "security"};
    static const std::vector<std::string> chroot{"mounts", "cgroupns", "proc", "masks", "dev", "chroot",
                                                 "hostname", "loopback", "security"};
    return isolation == Isolation::Chroot ? chroot : pivot;
}

void checkBindTargets(const std::string& rootfs, const std::vector<BindMount>& binds) {
    for (const auto& bind : binds) {
        std::string path = rootfs;
        std::istringstream parts(bind.target.substr(1));
        for (std::string part; std::getline(parts, part, '/');) {
            path += "/" + part;
            struct stat st {};
            if (::lstat(path.c_str(), &st) != 0) break;  // missing: created as a plain directory/file
            if (S_ISLNK(st.st_mode))
                throwInputAt(rootfs, 0, "bind target " + bind.target + " crosses the symlink " + path);
        }
    }
}

std::vector<std::string> execCandidates(const std::string& argv0, const std::string& path) {
    if (argv0.find('/') != std::string::npos) return {argv0};
    std::vector<std::string> out;
    std::istringstream dirs(path);
    // An empty PATH entry means the current directory, as execvp() reads it.
    for (std::string dir; std::getline(dirs, dir, ':');) out.push_back((dir.empty() ? "." : dir) + "/" + argv0);
    return out;
}

std::vector<std::string> containerEnvironment(const std::string& hostname, const std::string& term,
                                              const std::optional<UserSpec>& user, const std::vector<std::string>& given) {
    std::vector<std::string> env{std::string("PATH=") + kContainerPath, user && user->uid != 0 ? "HOME=/" : "HOME=/root",
                                 "HOSTNAME=" + hostname, "container=virtlab"};
    if (!term.empty()) env.push_back("TERM=" + term);
    for (const auto& entry : given) {
        const std::string key = entry.substr(0, entry.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        env.push_back(entry);
    }
    return env;
}

std::string environmentValue(const std::vector<std::string>& env, const std::string& key) {
    for (const auto& e : env)
        if (e.rfind(key + "=", 0) == 0) return e.substr(key.size() + 1);
    return "";
}

ChildPlan planContainerStart(const PlanInputs& in) {
    ChildPlan plan;
    const std::string root = in.scratch + "/root";
    const auto& phases = childPhaseNames(in.isolation);

    if (!in.join_cgroup_files.empty()) {
        plan.beginPhase("cgroup-attach");
        for (const auto& procs : in.join_cgroup_files) plan.add(Op::JoinCgroup, "write 0 (itself) into " + procs, procs);
    }
    plan.beginPhase(phases[0]);  // mounts
    // Without this, every mount below would propagate into the host's namespace through the
    // shared peer groups systemd sets up on "/" (and show up, and stay, in its mount table).
    plan.add(Op::MountPrivate, "make every mount private (MS_REC|MS_PRIVATE on /)");
    plan.add(Op::Mount, "mount tmpfs on " + in.scratch, "tmpfs", in.scratch, "", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    for (const char* dir : {"/upper", "/work", "/root"})
        plan.add(Op::MakeDir, "mkdir " + in.scratch + dir, in.scratch + dir, "", "", "", 0, "", 0755);
    const std::string overlay_options = overlaySafePath(in.rootfs)
        ? "lowerdir=" + in.rootfs + ",upperdir=" + in.scratch + "/upper,workdir=" + in.scratch + "/work"
        : "";
    plan.add(Op::RootfsOverlay, "mount overlay (lower " + in.rootfs + ") on " + root, in.rootfs, root + "/tmp", root, "",
             0, overlay_options);

    for (const auto& bind : in.binds) {
        struct stat st {};
        const bool is_dir = ::stat(bind.source.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        std::string path = root;
        std::istringstream parts(bind.target.substr(1));
        std::vector<std::string> components;
        for (std::string part; std::getline(parts, part, '/');) components.push_back(part);
        for (size_t i = 0; i + 1 < components.size(); ++i) {
            path += "/" + components[i];
            plan.add(Op::MakeDir, "mkdir " + path, path, "", "", "", 0, "", 0755);
        }
        const std::string target = root + bind.target;
        if (is_dir) plan.add(Op::MakeDir, "mkdir " + target, target, "", "", "", 0, "", 0755);
        else plan.add(Op::MakeFile, "create " + target, target);
        plan.add(Op::Mount, "bind " + bind.source + " on " + target, bind.source, target, "", "", MS_BIND | MS_REC);
        if (bind.read_only)
            plan.add(Op::Mount, "remount " + target + " read-only", "", target, "", "",
                     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV);
    }

    plan.beginPhase(phases[1]);  // cgroupns
    // Now that the parent has moved us into the container's cgroup, a new cgroup namespace
    // rooted there makes /proc/self/cgroup read "0::/" inside, hiding the host's layout.
    plan.add(Op::UnshareCgroupNs, "unshare(CLONE_NEWCGROUP)");

    plan.beginPhase(phases[2]);  // proc
    // A fresh procfs: mounted by a process in the new pid namespace, it lists only the
    // container's processes.
    plan.add(Op::Mount, "mount proc on " + root + "/proc", "proc", root + "/proc", "", "proc",
             MS_NOSUID | MS_NODEV | MS_NOEXEC);
    plan.add(Op::Mount, "mount sysfs (read-only) on " + root + "/sys", "sysfs", root + "/sys", "", "sysfs",
             MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

    plan.beginPhase(phases[3]);  // masks
    // Before the root switch, while the host's /dev/null is still at hand. What each path
    // would give away is in hardening.cpp.
    for (const auto& path : maskedPaths()) plan.add(Op::MaskPath, "mask " + root + path, root + path);
    for (const auto& path : readOnlyPaths())
        plan.add(Op::ReadOnlyPath, "bind " + root + path + " read-only", root + path);

    plan.beginPhase(phases[4]);  // dev
    // Not the host's /dev: a tmpfs with only the harmless character devices. The host's
    // would hand the container its disks (/dev/vda) and kernel memory.
    plan.add(Op::Mount, "mount tmpfs on " + root + "/dev", "tmpfs", root + "/dev", "", "tmpfs", MS_NOSUID | MS_NOEXEC,
             "mode=0755,size=64k");
    for (const auto& dev : containerDevices()) {
        const std::string target = root + "/dev/" + dev;
        plan.add(Op::MakeFile, "create " + target, target);
        plan.add(Op::Mount, "bind /dev/" + dev + " on " + target, "/dev/" + dev, target, "", "", MS_BIND);
    }
    for (const auto& [link, to] : std::vector<std::pair<std::string, std::string>>{
             {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}})
        plan.add(Op::Symlink, "symlink " + root + "/dev/" + link, to, root + "/dev/" + link);
    // After the masks and /dev: the recursive binds carry them along.
    if (!in.nested_root.empty())
        for (const char* dir : {"/proc", "/sys", "/dev"})
            plan.add(Op::BindIfDirectory, std::string("bind ") + dir + " on " + in.nested_root + dir + " (when it has one)",
                     root + dir, root + in.nested_root + dir);

    plan.beginPhase(phases[5]);  // pivot_root or chroot
    if (in.isolation == Isolation::Chroot)
        plan.add(Op::ChrootInto, "chroot into " + root + " (the host's mounts stay reachable)", root);
    else
        plan.add(Op::PivotRoot, "pivot_root into " + root + " and detach the old root", root);
    if (!in.workdir.empty() && in.workdir != "/")
        plan.add(Op::ChangeDir, "mkdir -p and chdir " + in.workdir + " (--workdir)", in.workdir);

    plan.beginPhase(phases[6]);  // hostname
    plan.add(Op::SetHostname, "sethostname " + in.hostname, in.hostname);

    plan.beginPhase(phases[7]);  // loopback; eth0 of --net bridge is configured by the parent
    plan.add(Op::LoopbackUp, "bring up lo");

    plan.beginPhase(phases[8]);  // security: what root inside may still do, narrowed last
    plan.add(Op::PrepareExec, "default signal handlers, stdio, close host descriptors on exec");
    // Capabilities go after every step that needed CAP_SYS_ADMIN (mounts, sethostname): from
    // here on root inside cannot mount, load modules, change the clock or reach raw devices.
    plan.add(Op::DropCapabilities, "drop capabilities to the default set", "", "", "", "", defaultCapabilityMask());
    // --user after the capabilities (CAP_SETUID/CAP_SETGID are in the default set): leaving
    // uid 0 then clears what was left of them.
    if (in.user && !in.setgroups_denied)
        plan.add(Op::SetUser, "setgroups, setresgid " + std::to_string(in.user->gid) + ", setresuid " + std::to_string(in.user->uid),
                 "", "", "", "", in.user->uid, "", in.user->gid);
    // Without it a setuid binary planted in an image would restore what was just dropped.
    plan.add(Op::NoNewPrivs, "prctl(PR_SET_NO_NEW_PRIVS)");
    // Last: the filter would refuse the mount and pivot_root calls above.
    plan.add(Op::InstallSeccomp, "install the default seccomp filter");
    plan.setSeccompProgram(in.seccomp);

    const std::vector<std::string> env = containerEnvironment(in.hostname, in.term, in.user, in.env);
    plan.setCommand(in.argv, env, execCandidates(in.argv.front(), environmentValue(env, "PATH")));
    plan.setInit(in.init);
    plan.setStdio(in.stdin_fd, in.stdout_fd, in.stderr_fd);
    plan.setSync(in.sync_read_fd, in.sync_parent_write_fd, !in.spawned);
    return plan;
}

}  // namespace vl::ct
