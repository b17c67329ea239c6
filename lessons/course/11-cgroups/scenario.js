// Lesson 11: memory and pids limits of real containers, read back from their cgroups.

function withinLimits() {
    show("containers");
    var run = lab.container({command: "echo hello", memory: "64m", pids: 16});
    expectEqual("the container ran", run.exit_code, 0);
    expect("the runtime says which cgroup version it used", run.cgroup_version === "v1" || run.cgroup_version === "v2",
           run.cgroup_version);
    expectEqual("the memory limit was written", run.cgroup.memory_limit_bytes, 64 * 1024 * 1024);
    expectEqual("the pids limit was written", run.cgroup.pids_max, 16);
    expect("it stayed below the memory limit", run.cgroup.memory_peak_bytes < 64 * 1024 * 1024,
           "peak " + run.cgroup.memory_peak_bytes);
    highlight("cgroup.memory_peak_bytes");
}

function memoryLimit() {
    show("counters");
    var limit = 8 * 1024 * 1024;
    var run = lab.container({command: "x=a; while true; do x=$x$x; done", memory: "8m"});
    expectEqual("the shell was killed by SIGKILL", run.exit_code, 137);
    expect("the OOM killer did it", run.cgroup.oom_kills >= 1, "oom_kills = " + run.cgroup.oom_kills);
    expect("memory use never passed the limit", run.cgroup.memory_peak_bytes <= limit,
           "peak " + run.cgroup.memory_peak_bytes);
    expect("the limit was hit", run.cgroup.memory_limit_hits > 0, "limit hits " + run.cgroup.memory_limit_hits);
    answer("oom_exit", run.exit_code);
    answer("who_kills", "The kernel kills a process inside the container's cgroup");
    highlight("cgroup.oom_kills");
}

function pidsLimit() {
    show("console");
    var run = lab.container({command: "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait", pids: 4});
    expect("fork failed inside the container", run.stderr.indexOf("can't fork") >= 0, run.stderr);
    expect("the kernel counted the refusal", run.cgroup.pids_limit_hits >= 1, "pids_limit_hits = " + run.cgroup.pids_limit_hits);
    expect("never more than 4 processes", run.cgroup.pids_peak <= 4, "pids_peak = " + run.cgroup.pids_peak);
    answer("pids_peak", run.cgroup.pids_peak);
    highlight("cgroup.pids_limit_hits");
}
