// Lesson 12: an image built step by step through VirtLab's real builder (into this scenario's
// private store), its layer stack with whiteouts, a container on the stack, and the build cache.

var LABFILE = [
    "FROM busybox",
    "COPY greeting.txt /srv/greeting.txt",
    "RUN echo built-by-run > /from-run && rm /etc/hostname && rm -rf /root && mkdir /root && echo marker > /root/marker",
    "ENV WHO=lab",
    "WORKDIR /srv",
    "CMD [\"/bin/sh\", \"-c\", \"cat greeting.txt /from-run; echo $WHO\"]"
].join("\n") + "\n";

function buildLessonImage(greeting) {
    return lab.image.build({labfile: LABFILE, context: {"greeting.txt": greeting}, tag: "lesson12"});
}

function layerPerStep() {
    show("containers");
    var image = buildLessonImage("hello from COPY\n");
    expectEqual("six steps were built", image.steps.length, 6);
    var missed = image.steps.slice(1).filter(function (s) { return !s.cache_hit; }).length;
    expectEqual("a first build misses the cache after FROM", missed, 5);
    expectEqual("three steps made a layer: FROM, COPY and RUN (WORKDIR /srv exists already)",
                image.steps.filter(function (s) { return s.layer !== ""; }).map(function (s) { return s.text.split(" ")[0]; }),
                ["FROM", "COPY", "RUN"]);
    expectEqual("the stack has the same three layers", image.layers.length, 3);
    expectEqual("the COPY layer holds only what COPY wrote", image.layers[1].paths, ["srv/", "srv/greeting.txt"]);
    expect("the base layer is the whole busybox tree", image.layers[0].entries > 100 && image.layers[0].paths.indexOf("bin/") >= 0,
           image.layers[0].entries + " entries");
    var run = lab.container({image: "lesson12"});
    expectEqual("a container on the stack sees every layer as one tree", run.console, "hello from COPY\nbuilt-by-run\nlab\n");
    answer("layers", image.layers.length);
    highlight("layers");
}

function whiteouts() {
    show("containers");
    var image = buildLessonImage("hello from COPY\n");
    var top = image.layers[2];
    expectEqual("the RUN layer records one deletion and one opaque directory",
                top.whiteouts.map(function (w) { return (w.opaque ? "opaque " : "deleted ") + w.path; }),
                ["deleted etc/hostname", "opaque root"]);
    var at = lab.image.inspect({image: "lesson12", path: "etc/hostname"}).layers.map(function (l) { return l.at_path; });
    expectEqual("etc/hostname: a file in the busybox layer, untouched by COPY, a whiteout in the RUN layer", at,
                ["file", "", "whiteout"]);
    var run = lab.container({image: "lesson12", command: "test -e /etc/hostname && echo visible || echo hidden; ls -a /root"});
    var lines = run.console.split("\n");
    expectEqual("the container does not see the deleted file", lines[0], "hidden");
    expectEqual("the opaque /root shows only the new file", lines.slice(1).filter(function (l) { return l !== "" && l !== "." && l !== ".."; }),
                ["marker"]);
    var deleted = top.whiteouts.filter(function (w) { return !w.opaque; });
    answer("deleted_file", deleted.length === 1 ? deleted[0].path : "");
    highlight("whiteouts");
}

function buildCache() {
    show("containers");
    var hits = function (image) { return image.steps.map(function (s) { return s.cache_hit; }); };
    var first = buildLessonImage("hello from COPY\n");
    var again = buildLessonImage("hello from COPY\n");
    expectEqual("an unchanged rebuild hits the cache at every step", hits(again), [true, true, true, true, true, true]);
    expectEqual("and RUN did not run again (no output)", again.steps[2].output, "");
    expectEqual("it is the same image, layer for layer", again.layers.map(function (l) { return l.id; }),
                first.layers.map(function (l) { return l.id; }));
    var edited = buildLessonImage("hello again\n");
    expectEqual("an edited greeting.txt: FROM hits, COPY and every later step miss", hits(edited),
                [true, false, false, false, false, false]);
    expect("the base layer is shared, the ones above are new",
           edited.layers[0].id === first.layers[0].id && edited.layers[1].id !== first.layers[1].id,
           JSON.stringify(edited.layers.map(function (l) { return l.id; })));
    var removed = lab.image.rm("lesson12");
    expect("rm removed the image's layers with it (no other image uses them)",
           edited.layers.every(function (l) { return removed.removed_layers.indexOf(l.id) >= 0; }),
           "removed " + JSON.stringify(removed.removed_layers));
    expectEqual("the scenario's store is empty again", lab.image.list().images, []);
    var missed = hits(edited).map(function (h, i) { return h ? null : edited.steps[i].text.split(" ")[0]; })
                             .filter(function (x) { return x !== null; });
    answer("misses_after_edit", missed.length === 5 && missed[0] === "COPY" ? "the COPY step and every step after it"
                                : missed.length === 1 ? "only the COPY step" : "every step, FROM included");
    highlight("cache_hit");
}
