// Lesson 6: the guest kernel in (modeled) VMX non-root operation, and its VM exits.

function guestAtRingZero() {
    show("console");
    var run = lab.vm({mode: "hw"});
    expectEqual("the kernel runs to its power-off", run.exit_code, 0);
    expect("it finds itself in ring 0", run.console.indexOf("privilege level in cs (the kernel expects 0): 0 -> ok") >= 0,
           run.console);
    expect("all its ring-0 checks pass", /ring-0 checks passed: 7 of 7/.test(run.console), run.console);
    var trapCounters = Object.keys(run.counters).filter(function (k) {
        return k.indexOf("traps.") === 0 && run.counters[k] > 0;
    });
    expectEqual("no instruction trapped the old way", trapCounters, []);
    answer("cli_exits", trapCounters.indexOf("traps.cli") >= 0 ? run.counters["traps.cli"] : 0);
}

function readTheExits() {
    show("counters");
    var hw = lab.vm({mode: "hw"});
    var trap = lab.vm({mode: "trap"});
    var e = hw.counters;
    expect("port I/O exits (reason 30)", e["exits.io"] > 0, "exits.io = " + e["exits.io"]);
    expectEqual("one HLT exit per idle halt (reason 12)", e["exits.hlt"], trap.counters["traps.hlt"]);
    expect("timer interrupts exit as external interrupts (reason 1)", e["exits.external_interrupt"] > 0,
           "exits.external_interrupt = " + e["exits.external_interrupt"]);
    expect("fewer entries into the monitor than under trap-and-emulate", hw.counters.vmm_entries < trap.counters.vmm_entries,
           "hw " + hw.counters.vmm_entries + ", trap " + trap.counters.vmm_entries);
    answer("hlt_exits", e["exits.hlt"]);
    answer("vtx_year", 2005);
    highlight("exits.io");
}
