// lab.image (built images for a scenario) and lab.vm({events}) as a scenario sees them: options
// checked before anything runs, a context that cannot name a path outside itself, the hypercall
// log of a paravirtual run, and -- as root -- a build, a container on the image, an OCI bundle
// under runc, and nothing left on the machine after the scenario.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "lessons/scenario_runner.h"

using namespace std::chrono_literals;
using vl::lessons::ScenarioResult;
using vl::lessons::ScenarioRunner;

namespace {

namespace fs = std::filesystem;

ScenarioResult run(const char* source) { return ScenarioRunner(30s).runSource(QString::fromUtf8(source), "t.js"); }

void expectAllPassed(const ScenarioResult& r, size_t checks) {
    ASSERT_FALSE(r.broken()) << r.error.toStdString();
    ASSERT_TRUE(r.skipped.isEmpty()) << r.skipped.toStdString();
    for (const auto& c : r.checks) EXPECT_TRUE(c.passed) << c.name.toStdString() << ": " << c.message.toStdString();
    EXPECT_EQ(r.checks.size(), checks);
}

// What a scenario made lives under $TMPDIR (or /tmp) as virtlab-lesson-images-* (its store,
// contexts and bundles); only lessons make such directories.
int leftovers() {
    const char* tmp = std::getenv("TMPDIR");
    int n = 0;
    for (const auto& e : fs::directory_iterator(tmp && *tmp ? tmp : "/tmp"))
        n += e.path().filename().string().rfind("virtlab-lesson-images", 0) == 0;
    return n;
}

bool mountsMention(const std::string& word) {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);)
        if (line.find(word) != std::string::npos) return true;
    return false;
}

TEST(LabImage, OptionsAreCheckedFirst) {
    const auto unknown = run("lab.image.build({labfile: 'FROM busybox', tag: 't', contxt: {}});");
    EXPECT_NE(unknown.error.indexOf("lab.image.build: unknown option 'contxt' (valid: labfile, context, tag)"), -1)
        << unknown.error.toStdString();
    const auto tag = run("lab.image.build({labfile: 'FROM busybox', tag: 'Bad Name'});");
    EXPECT_NE(tag.error.indexOf("lab.image.build: "), -1) << tag.error.toStdString();
    const auto missing = run("lab.image.inspect('nothing-built');");
    EXPECT_NE(missing.error.indexOf("lab.image.inspect: no image 'nothing-built' (build it in this scenario first"), -1)
        << missing.error.toStdString();
    const auto container = run("lab.container({image: 'nothing-built'});");
    EXPECT_NE(container.error.indexOf("lab.container: no image 'nothing-built'"), -1) << container.error.toStdString();
    const auto runtime = run("lab.image.runBundle({image: 'x', runtime: 'docker'});");
    EXPECT_NE(runtime.error.indexOf("runtime must be \"runc\" or \"crun\""), -1) << runtime.error.toStdString();
}

TEST(LabImage, ContextCannotNameAPathOutsideIt) {
    const int before = leftovers();
    for (const char* path : {"../escape", "/etc/passwd", "a/../../b", "./x", "a//b"}) {
        const std::string source = std::string("lab.image.build({labfile: 'FROM busybox', tag: 't', context: {'") + path +
                                   "': 'x'}});";
        const auto r = run(source.c_str());
        ASSERT_TRUE(r.broken()) << path;
        EXPECT_NE(r.error.indexOf("must be relative, without '.', '..' or empty parts"), -1) << r.error.toStdString();
    }
    const auto object = run("lab.image.build({labfile: 'FROM busybox', tag: 't', context: {'a': {}}});");
    EXPECT_NE(object.error.indexOf("context file 'a' must be given as a string"), -1) << object.error.toStdString();
    EXPECT_EQ(leftovers(), before) << "a refused build made a store";
}

TEST(LabVmEvents, HypercallLogOfAParavirtualRun) {
    const auto r = run(
        "var pv = lab.vm({mode: 'pv', events: 'hypercall'});\n"
        "expectEqual('one event per hypercall', pv.events_total, pv.counters.hypercalls);\n"
        "expect('some returned', pv.events.length > 0 && pv.events.length <= 500);\n"
        "expect('only hypercalls', pv.events.every(function (e) { return e.kind === 'hypercall'; }));\n"
        "expect('by Xen name', pv.events.some(function (e) { return /^set_trap_table\\(.*\\) = 0 at 0x/.test(e.detail); }));\n"
        "expect('in order', pv.events[1].seq > pv.events[0].seq);\n"
        "var none = lab.vm({mode: 'pv'});\n"
        "expectEqual('no events unless asked', none.events, undefined);\n");
    expectAllPassed(r, 6);
    const auto bad = run("lab.vm({mode: 'pv', events: 3});");
    EXPECT_NE(bad.error.indexOf("lab.vm: events must be an event kind"), -1) << bad.error.toStdString();
}

TEST(LabImageRoot, BuildRunBundleAndNothingLeft) {
    if (::geteuid() != 0) GTEST_SKIP() << "image builds (RUN in a container, whiteouts) and runc need root";
    const int before = leftovers();
    const auto r = run(
        "var image = lab.image.build({labfile: 'FROM busybox\\nCOPY a/b.txt /b.txt\\nRUN rm /etc/hostname\\n"
        "CMD [\"cat\", \"/b.txt\"]\\n', context: {'a/b.txt': 'bee\\n'}, tag: 'unit'});\n"
        "expectEqual('steps', image.steps.map(function (s) { return s.cache_hit; }), [false, false, false, false]);\n"
        "expectEqual('whiteout', image.layers[2].whiteouts.map(function (w) { return w.path + (w.opaque ? ' opaque' : ''); }), ['etc/hostname']);\n"
        "expectEqual('copy layer', image.layers[1].paths, ['b.txt']);\n"
        "expectEqual('virtlab', lab.container({image: 'unit'}).console, 'bee\\n');\n"
        "var runc = lab.image.runBundle({image: 'unit', runtime: 'runc'});\n"
        "expectEqual('runc', runc.console, 'bee\\n');\n"
        "var again = lab.image.build({labfile: 'FROM busybox\\nCOPY a/b.txt /b.txt\\nRUN rm /etc/hostname\\n"
        "CMD [\"cat\", \"/b.txt\"]\\n', context: {'a/b.txt': 'bee\\n'}, tag: 'unit'});\n"
        "expectEqual('cache', again.cache_hits, 4);\n"
        "expectEqual('bundle', lab.image.bundle('unit').config.process.args, ['cat', '/b.txt']);\n");
    expectAllPassed(r, 7);
    EXPECT_EQ(leftovers(), before) << "the scenario's store stayed";
    // A layer stack of lab.container({image}) names the scenario's layers in its lowerdir=.
    EXPECT_FALSE(mountsMention("virtlab-lesson-images")) << "a layer-stack mount stayed";
    EXPECT_FALSE(fs::exists("/run/runc") && [] {
        for (const auto& e : fs::directory_iterator("/run/runc"))
            if (e.path().filename().string().rfind("virtlab-lesson-", 0) == 0) return true;
        return false;
    }()) << "runc kept a container's state";
}

TEST(LabImageRoot, LabfileErrorsNameTheLabfileNotATempPath) {
    if (::geteuid() != 0) GTEST_SKIP() << "builds need root";
    const auto r = run("lab.image.build({labfile: 'FROM busybox\\nFROBNICATE x\\n', tag: 'unit'});");
    ASSERT_TRUE(r.broken());
    EXPECT_NE(r.error.indexOf("lab.image.build: Labfile:2: "), -1) << r.error.toStdString();
    EXPECT_EQ(r.error.indexOf("/tmp/"), -1) << r.error.toStdString();
}

}  // namespace
