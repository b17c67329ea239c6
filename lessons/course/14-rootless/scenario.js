// Lesson 14: a rootless container (a user namespace of its own, ids mapped), and what such a
// container cannot do: cgroup limits without delegation, a bridge network, device nodes.

function userNamespace() {
    show("containers");
    var run = lab.container({rootless: true, command: "id -u; cat /proc/self/uid_map; cat /proc/self/setgroups"});
    expectEqual("the container ran", run.exit_code, 0);
    expect("it ran rootless", run.rootless === true, JSON.stringify(run.rootless));
    var user = run.namespaces.user;
    expect("it has a user namespace of its own", user !== undefined && user.separate,
           user === undefined ? "no user namespace reported" : "host " + user.host + ", container " + user.container);
    var lines = run.console.split("\n");
    expectEqual("its shell is root inside", lines[0], "0");
    var mapInside = lines.slice(1).filter(function (l) { return /^\s*\d+\s+\d+\s+\d+\s*$/.test(l); });
    var normal = function (text) {
        return text.split("\n").filter(function (l) { return l.trim() !== ""; })
                   .map(function (l) { return l.trim().split(/\s+/).join(" "); });
    };
    expectEqual("the map it sees is the one the runtime wrote", mapInside.map(function (l) { return l.trim().split(/\s+/).join(" "); }),
                normal(run.uid_map));
    expect("uid 0 inside maps to the uid that started it", /^0 \d+ \d+$/.test(normal(run.uid_map)[0]), run.uid_map);
    if (run.id_map_method === "single")
        expectEqual("a single-id map came with setgroups denied", lines[lines.length - 2], "deny");
    answer("uid_inside", Number(lines[0]));
    answer("map_lines", normal(run.uid_map).length);
    answer("setgroups", "deny");
    highlight("uid_map");
}

function whatItCannotDo() {
    show("containers");
    // 1. Device nodes: mknod needs CAP_MKNOD in the initial user namespace.
    var dev = lab.container({rootless: true, command: "mknod /tmp/null2 c 1 3 2>&1 && echo created || echo refused"});
    var devLines = dev.console.split("\n");
    expect("mknod of a device is refused", devLines.indexOf("refused") >= 0, dev.console);
    expect("with 'Operation not permitted'", /Operation not permitted/.test(dev.console), dev.console);
    expect("the harmless nodes are there, bind-mounted from the host", lab.container({rootless: true,
           command: "echo x > /dev/null && head -c 4 /dev/zero | wc -c"}).console === "4\n", "");
    // 2. cgroups: without a delegated subtree a rootless run has none, and a limit is refused.
    var plain = lab.container({rootless: true, command: "true"});
    if (plain.cgroup_version === "none")
        expect("without delegation the container runs without a cgroup, and says why", plain.cgroup_note !== "", plain.cgroup_note);
    var limited = null, refusal = "";
    try {
        limited = lab.container({rootless: true, memory: "64m", command: "true"});
    } catch (e) {
        refusal = String(e.message);
    }
    if (plain.cgroup_version === "none")
        expect("so a memory limit is refused instead of silently ignored", limited === null && refusal !== "", refusal);
    else
        expect("where its cgroup is writable (a delegated subtree, or root as here) the memory limit is honoured", limited !== null && limited.exit_code === 0 && limited.cgroup.memory_limit_bytes === 64 * 1024 * 1024,
               limited === null ? refusal : JSON.stringify(limited.cgroup));
    // 3. Networking: the bridge and the host's veth end live in the host's network namespace.
    var bridgeError = "";
    try {
        lab.container({rootless: true, net: "bridge", command: "true"});
    } catch (e) {
        bridgeError = String(e.message);
    }
    expect("a bridge network is refused for a rootless container", /needs root/.test(bridgeError), bridgeError);
    answer("mknod", devLines.indexOf("created") >= 0 ? "yes" : "no");
    highlight("cgroup_note");
}
