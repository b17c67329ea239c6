// Lesson 10: one real container per namespace, looked at from inside and outside.

function everyNamespaceIsNew() {
    show("containers");
    var run = lab.container({command: "true"});
    expectEqual("the container ran", run.exit_code, 0);
    ["pid", "mnt", "uts", "ipc", "net", "cgroup"].forEach(function (kind) {
        var ns = run.namespaces[kind];
        expect(kind + " namespace differs from the host's", ns !== undefined && ns.separate,
               ns === undefined ? "not reported" : "host " + ns.host + ", container " + ns.container);
    });
    highlight("namespaces");
}

function pidNamespace() {
    show("console");
    // "; true" keeps the shell from exec-ing ps as its last command, so both processes show.
    var run = lab.container({command: "echo $$; ps; true"});
    var lines = run.console.split("\n");
    expectEqual("the shell is pid 1 inside", lines[0], "1");
    expect("the host knows it by another pid", run.host_pid > 1, "host_pid = " + run.host_pid);
    var processes = lines.filter(function (l) { return /^\s*\d+ /.test(l); });
    expectEqual("ps sees only the container's two processes", processes.length, 2);
    answer("pid_inside", Number(lines[0]));
}

function utsAndMount() {
    show("console");
    var run = lab.container({command: "hostname; test -d /work && echo host-tree-visible || echo host-tree-hidden; ls /",
                             hostname: "lesson10"});
    var lines = run.console.split("\n");
    expectEqual("the container has its own host name", lines[0], "lesson10");
    expectEqual("the host's /work is not in the container's tree", lines[1], "host-tree-hidden");
    expect("its / is the busybox root file system", lines.indexOf("bin") > 0 && lines.indexOf("proc") > 0, run.console);
}

function netAndIpc() {
    show("console");
    var run = lab.container({command: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"});
    var devices = run.console.split("\n").filter(function (l) { return l.length > 0; });
    expectEqual("only the loopback device exists", devices, ["lo"]);
    expect("the ipc namespace is a new one", run.namespaces.ipc.separate,
           "host " + run.namespaces.ipc.host + ", container " + run.namespaces.ipc.container);
    expectEqual("no user namespace is reported", run.namespaces.user, undefined);
    answer("interfaces", devices.join(" "));
    answer("not_isolated", "user");
}
