// Lesson 5: the same guest kernel under trap-and-emulate and under binary translation.

function ringZeroChecksPassed(run) {
    var m = /ring-0 checks passed: (\d+) of (\d+)/.exec(run.console);
    return m ? {passed: Number(m[1]), of: Number(m[2])} : null;
}

function holesUnderTrap() {
    show("console");
    var run = lab.vm({mode: "trap"});
    var t = run.counters;
    ["pushf", "popf", "sgdt", "sidt", "smsw"].forEach(function (insn) {
        expectEqual(insn + " never reached the trap monitor", t["traps." + insn], 0);
    });
    var checks = ringZeroChecksPassed(run);
    expect("the kernel reports its ring-0 checks", checks !== null, run.console);
    if (checks) {
        expectEqual("none of them pass", checks.passed, 0);
        answer("checks_trap", checks.passed);
    }
    answer("sensitive_count", 17);
}

function closedByTranslation() {
    show("listing");
    var run = lab.vm({mode: "bt"});
    var t = run.counters;
    expectEqual("the kernel still runs to its power-off", run.exit_code, 0);
    ["pushf", "popf", "sgdt", "sidt", "smsw"].forEach(function (insn) {
        expect(insn + " now reaches the monitor", t["traps." + insn] > 0, "traps." + insn + " = " + t["traps." + insn]);
    });
    expect("blocks were translated and some rewritten", t["bt.blocks"] > 0 && t["bt.rewritten"] > 0,
           "bt.blocks = " + t["bt.blocks"] + ", bt.rewritten = " + t["bt.rewritten"]);
    expect("the listing shows cli translated into a monitor call",
           run.listing.some(function (l) { return /\bcli\b.*->\s*call vmm_cli/.test(l); }), run.listing.join("\n"));
    var checks = ringZeroChecksPassed(run);
    expect("every ring-0 check passes", checks !== null && checks.passed === checks.of, run.console);
    if (checks) answer("checks_bt", checks.passed);
    highlight("bt.rewritten");
}

function compareCosts() {
    show("counters");
    var trap = lab.vm({mode: "trap"});
    var bt = lab.vm({mode: "bt"});
    expect("both ran the same kernel to completion", trap.exit_code === 0 && bt.exit_code === 0,
           "trap " + trap.exit_code + ", bt " + bt.exit_code);
    expect("translation needs fewer modeled cycles than trapping",
           bt.counters.modeled_cycles < trap.counters.modeled_cycles,
           "bt " + bt.counters.modeled_cycles + ", trap " + trap.counters.modeled_cycles);
    expect("translated instructions are a small share of those executed",
           bt.counters["bt.translated_instructions"] * 10 < bt.counters.guest_instructions,
           bt.counters["bt.translated_instructions"] + " translated, " + bt.counters.guest_instructions + " executed");
    highlight("modeled_cycles");
}
