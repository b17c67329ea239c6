// Lesson 4: the guest kernel under the trap-and-emulate monitor (trapsim, mode "trap").

function bootUnderMonitor() {
    show("vm");
    var run = lab.vm({mode: "trap"});
    expectEqual("the guest kernel runs to its power-off", run.state, "finished");
    expectEqual("and reports exit code 0", run.exit_code, 0);
    expect("it notices it is not in ring 0",
           run.console.indexOf("privilege level in cs (the kernel expects 0): 1") >= 0, run.console);
    highlight("cpl (real)");
}

function countTraps() {
    show("counters");
    var run = lab.vm({mode: "trap"});
    var t = run.counters;
    expect("cli trapped for each critical section", t["traps.cli"] >= 2000, "traps.cli = " + t["traps.cli"]);
    expect("sti trapped for each critical section", t["traps.sti"] >= 2000, "traps.sti = " + t["traps.sti"]);
    expect("port I/O trapped (serial, PIC, timer)", t["traps.out"] > 0 && t["traps.in"] > 0,
           "traps.in = " + t["traps.in"] + ", traps.out = " + t["traps.out"]);
    expect("every trap entered the monitor", t["vmm_entries"] >= t["traps"],
           "vmm_entries = " + t["vmm_entries"] + ", traps = " + t["traps"]);
    answer("cli_traps", t["traps.cli"]);
    highlight("traps.cli");
}

function findTheHoles() {
    show("console");
    var run = lab.vm({mode: "trap"});
    var t = run.counters;
    expectEqual("pushf never trapped", t["traps.pushf"], 0);
    expectEqual("popf never trapped", t["traps.popf"], 0);
    expectEqual("sgdt never trapped", t["traps.sgdt"], 0);
    expect("pushf shows the real IF, not the virtual one",
           run.console.indexOf("pushf right after cli shows IF = 1") >= 0, run.console);
    expect("the kernel's ring-0 checks all fail", /ring-0 checks passed: 0 of \d+/.test(run.console), run.console);
    answer("pushf_traps", t["traps.pushf"]);
    answer("theorem", "the set of sensitive instructions is a subset of the set of privileged instructions");
}
