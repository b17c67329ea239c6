// Lesson 9: the container's root directory and its mount namespace, seen from inside.

function anotherRoot() {
    show("console");
    var run = lab.container({command: "ls /; ls -di / /.. | tr -s ' '"});
    var lines = run.console.split("\n");
    expect("its / is the busybox tree", lines.indexOf("bin") >= 0 && lines.indexOf("etc") >= 0, run.console);
    var inodes = lines.filter(function (l) { return /^ ?\d+ \/(\.\.)?$/.test(l); })
                      .map(function (l) { return l.trim().split(" ")[0]; });
    expectEqual("/ and /.. are listed", inodes.length, 2);
    expectEqual("/.. is / itself", inodes[0], inodes[1]);
    answer("chroot_year", 1982);
    answer("jails_release", "FreeBSD 4.0");
}

function nothingToClimbTo() {
    show("console");
    var run = lab.container({command: "cat /proc/self/mountinfo"});
    var mounts = run.console.split("\n").filter(function (l) { return l.length > 0; });
    var root = mounts.filter(function (l) { return l.split(" ")[4] === "/"; });
    expectEqual("exactly one mount is the root", root.length, 1);
    expect("the root mount is the container's root file system", root.length === 1 && root[0].indexOf("rootfs") >= 0,
           root.join("\n"));
    var host = mounts.filter(function (l) { return / \/work( |\/)/.test(l); });
    expectEqual("no mount of the host's /work is left", host.length, 0);
    expect("a handful of mounts, not the host's table", mounts.length > 2 && mounts.length < 40,
           mounts.length + " mounts");
    answer("mounts_inside", mounts.length);
    highlight("pivot_root");
}
