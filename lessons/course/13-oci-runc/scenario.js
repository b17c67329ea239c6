// Lesson 13: an image exported as an OCI runtime bundle, its config.json read, and the same
// bundle run by runc and crun beside VirtLab's own runtime on the image.

var LABFILE = [
    "FROM busybox",
    "COPY greeting.txt /srv/greeting.txt",
    "RUN echo built-by-run > /from-run && rm /etc/hostname",
    "ENV WHO=oci",
    "WORKDIR /srv",
    // What each runtime did for us, seen from inside: pid 1, the working directory, the
    // environment, the whiteout applied, the namespace's host name is the bundle's.
    "CMD [\"/bin/sh\", \"-c\", \"cat greeting.txt /from-run; echo pid $$ in $(pwd) for $WHO; test -e /etc/hostname || echo hostname-file-deleted\"]"
].join("\n") + "\n";

function buildImage() {
    return lab.image.build({labfile: LABFILE, context: {"greeting.txt": "hello from the bundle\n"}, tag: "lesson13"});
}

function readTheBundle() {
    show("containers");
    var image = buildImage();
    var bundle = lab.image.bundle("lesson13");
    expectEqual("a bundle is config.json beside rootfs", bundle.files, ["config.json", "rootfs"]);
    var config = bundle.config;
    expect("config.json follows runtime-spec 1.x", /^1\./.test(config.ociVersion), config.ociVersion);
    expectEqual("its root is the rootfs directory", config.root.path, "rootfs");
    expectEqual("its command is the image's CMD", config.process.args, image.argv);
    expectEqual("its working directory is the image's WORKDIR", config.process.cwd, "/srv");
    expect("its environment carries the image's ENV", config.process.env.indexOf("WHO=oci") >= 0, JSON.stringify(config.process.env));
    var kinds = config.linux.namespaces.map(function (n) { return n.type; }).sort();
    expectEqual("it asks for the namespaces VirtLab's runtime makes", kinds, ["cgroup", "ipc", "mount", "network", "pid", "uts"]);
    expect("and no user namespace: it runs as real root", kinds.indexOf("user") < 0, JSON.stringify(kinds));
    expect("the flattened rootfs holds the busybox tree and what the build added",
           bundle.rootfs.indexOf("bin") >= 0 && bundle.rootfs.indexOf("srv") >= 0 && bundle.rootfs.indexOf("from-run") >= 0,
           JSON.stringify(bundle.rootfs));
    answer("namespaces", kinds.length);
    answer("bundle_files", bundle.files.join(" and ") === "config.json and rootfs" ? "config.json and a root file system directory" : "");
    highlight("config.json");
}

function threeRuntimes() {
    show("containers");
    buildImage();
    var virtlab = lab.container({image: "lesson13"});
    expectEqual("VirtLab's runtime ran the image", virtlab.exit_code, 0);
    expectEqual("the command is pid 1 in a new pid namespace, in the image's WORKDIR", virtlab.console.split("\n")[2],
                "pid 1 in /srv for oci");
    var same = true;
    ["runc", "crun"].forEach(function (runtime) {
        var run = lab.image.runBundle({image: "lesson13", runtime: runtime});
        expectEqual(runtime + " ran the bundle", run.exit_code, 0);
        expectEqual(runtime + " printed what VirtLab printed", run.console, virtlab.console);
        if (run.console !== virtlab.console) same = false;
    });
    expect("the whiteout was applied in the flattened rootfs too", virtlab.console.indexOf("hostname-file-deleted") >= 0,
           virtlab.console);
    answer("same_output", same ? "yes" : "no");
    answer("runc_origin", "libcontainer");
    highlight("console");
}
