// Lesson 8: the cost table. One guest kernel under every monitor mode; one program under the
// translator, the x86 reference emulator and (as root) a real container.

// The monitor modes compared; `emulate` (the whole machine in software) and `pv` (the
// paravirtual build) join when this build offers them.
function modes() {
    return ["trap", "bt", "hw", "emulate"].filter(function (m) { return lab.vmModes().indexOf(m) >= 0; });
}

// What the kernel computed, not how it was virtualized: its result lines.
function results(console) {
    return console.split("\n").filter(function (line) {
        return /^(sieve of|fibonacci|critical sections)/.test(line);
    });
}

function row(run) {
    var c = run.counters;
    return {mode: run.mode, guest_instructions: c.guest_instructions, vmm_entries: c.vmm_entries,
            modeled_cycles: c.modeled_cycles,
            overhead_percent: Math.round(100 * (c.modeled_cycles - c.guest_instructions) / c.modeled_cycles),
            seconds: run.seconds};
}

function kernelEverywhere() {
    show("counters");
    var runs = modes().map(function (m) { return lab.vm({mode: m}); });
    runs.forEach(function (r) {
        expectEqual("the kernel powers off normally under " + r.mode, r.exit_code, 0);
    });
    var reference = results(runs[0].console);
    expectEqual("it computed three results", reference.length, 3);
    runs.slice(1).forEach(function (r) {
        expectEqual("under " + r.mode + " it computed the same results as under trap", results(r.console), reference);
    });
    var counts = runs.map(function (r) { return r.counters.guest_instructions; });
    expect("every mode ran about the same number of guest instructions (within 5 %)",
           Math.max.apply(null, counts) < 1.05 * Math.min.apply(null, counts), JSON.stringify(counts));
}

function readTheTable() {
    show("counters");
    var table = ["trap", "bt", "hw"].map(function (m) { return row(lab.vm({mode: m})); });
    var by = {};
    table.forEach(function (r) { by[r.mode] = r; });
    expect("hardware assistance enters the monitor less often than trapping",
           by.hw.vmm_entries < by.trap.vmm_entries, JSON.stringify(table));
    expect("binary translation's callouts cost least in modeled cycles",
           by.bt.modeled_cycles < by.hw.modeled_cycles && by.bt.modeled_cycles < by.trap.modeled_cycles,
           JSON.stringify(table));
    expect("under trap-and-emulate the monitor, not the guest, costs most", by.trap.overhead_percent > 50,
           by.trap.overhead_percent + " %");
    var cheapest = table.slice().sort(function (a, b) { return a.modeled_cycles - b.modeled_cycles; })[0].mode;
    answer("cheapest_mode", cheapest);
    answer("trap_overhead_percent", by.trap.overhead_percent);
    answer("wall_time_means", "How fast VirtLab's simulators of each technique run on this machine");
    highlight("modeled_cycles");
}

function programEverywhere() {
    show("console");
    var dbt = lab.emulate({program: "tour/tour-i386", engine: "dbt"});
    var ref = lab.emulate({program: "tour/tour-i386", engine: "unicorn"});
    expectEqual("the translator and the x86 reference print the same", dbt.console, ref.console);
    expectEqual("and run the same number of x86 instructions",
                dbt.counters.guest_instructions, ref.counters.guest_instructions);
    expect("the translator ran a few AArch64 instructions per x86 instruction",
           dbt.expansion > 1 && dbt.expansion < 10, "expansion " + dbt.expansion);
    // The native build in a real container: no translation, no monitor. Skipped without root.
    var native = lab.container({program: "tour/tour-x86_64"});
    expectEqual("natively, in a container, the program prints the same", native.console, ref.console);
    expect("nothing was translated or trapped there", native.counters.vmm_entries === undefined &&
           native.counters.guest_instructions === undefined, JSON.stringify(native.counters));
}
