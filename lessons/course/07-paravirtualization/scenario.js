// Lesson 7: the same kernel source, bare (under trap-and-emulate) and paravirtualized (under a
// Xen-style hypervisor): traps against hypercalls, the hypercall log, and the split block driver.
// The bare kernel runs once, in the first step; the later steps read the paravirtual run alone.

// The lines that report the kernel's work (computing, the disk, interrupts), not its ring-0
// self-checks, which the bare kernel fails under trap-and-emulate (lesson 5's holes).
function workLines(console) {
    return console.split("\n").filter(function (l) { return l.length > 0 && l.indexOf(" -> ") < 0 && l.indexOf("ring-0 checks") < 0; });
}

function portedKernel() {
    show("pv");
    show("vsTrap");
    var trap = lab.vm({mode: "trap"});
    var pv = lab.vm({mode: "pv"});
    expectEqual("the paravirtual kernel powers off cleanly", pv.exit_code, 0);
    expectEqual("it does the same work as the bare kernel, disk read included", workLines(pv.console), workLines(trap.console));
    expect("and passes the self-checks the bare kernel fails under trap-and-emulate (it asks instead of looking)",
           /ring-0 checks passed: 7 of 7/.test(pv.console) && !/ring-0 checks passed: 7 of 7/.test(trap.console),
           pv.console.split("\n").filter(function (l) { return l.indexOf("ring-0 checks") >= 0; })
                   .concat(trap.console.split("\n").filter(function (l) { return l.indexOf("ring-0 checks") >= 0; })).join(" / "));
    expectEqual("it really runs in ring 1", pv.registers["cpl (real)"], "1");
    expect("cli and sti trapped thousands of times in the bare kernel",
           trap.counters["traps.cli"] > 1000 && trap.counters["traps.sti"] > 1000,
           "cli " + trap.counters["traps.cli"] + ", sti " + trap.counters["traps.sti"]);
    expectEqual("and never in the paravirtual one", pv.counters["traps.cli"] + pv.counters["traps.sti"], 0);
    expect("almost nothing is left to trap", pv.counters.traps * 100 < trap.counters.traps,
           "pv traps " + pv.counters.traps + ", trap-and-emulate traps " + trap.counters.traps);
    expect("masking events costs no hypercall: far fewer hypercalls than the bare kernel's cli and sti traps",
           pv.counters.hypercalls > 0 &&
               pv.counters.hypercalls * 10 < trap.counters["traps.cli"] + trap.counters["traps.sti"],
           pv.counters.hypercalls + " hypercalls, " + trap.counters["traps.cli"] + " cli and " +
               trap.counters["traps.sti"] + " sti traps");
    var ratio = trap.counters.vmm_entries / pv.counters.vmm_entries;
    expect("at least 10 times fewer entries into the monitor", ratio >= 10,
           "trap " + trap.counters.vmm_entries + ", pv " + pv.counters.vmm_entries);
    expect("the bare kernel read its disk sector by ATA PIO: at least one trap per 16-bit word",
           trap.counters["disk.sectors_read"] === 1 && trap.counters["traps.in"] >= 256,
           "disk.sectors_read = " + trap.counters["disk.sectors_read"] + ", traps.in = " + trap.counters["traps.in"]);
    answer("entry_ratio", Math.round(ratio));
    highlight("cpl (real)");
}

function readTheHypercallLog() {
    show("pv");
    show("hypercalls");
    var pv = lab.vm({mode: "pv", events: "hypercall"});
    expect("the log holds every hypercall", pv.events_total === pv.counters.hypercalls && pv.events.length > 0,
           pv.events_total + " logged, " + pv.counters.hypercalls + " counted");
    var calls = pv.events.map(function (e) { return e.detail.split("(")[0]; });
    var firstWrite = calls.indexOf("console_io");
    ["set_gdt", "set_trap_table"].forEach(function (n) {
        expect("before it prints anything, it registers with the hypervisor: " + n, calls.indexOf(n) >= 0 &&
               calls.indexOf(n) < firstWrite, calls.slice(0, firstWrite + 1).join(", "));
    });
    // The hypercalls this kernel makes (multicall members included), by the names
    // xen/include/public/xen.h gives numbers 4, 18, 20, 29 and 32.
    ["set_callbacks", "console_io", "grant_table_op", "sched_op", "event_channel_op"].forEach(function (n) {
        expect("it calls " + n, pv.counters["hypercalls." + n] > 0, "hypercalls." + n + " = " + pv.counters["hypercalls." + n]);
    });
    var writes = pv.events.filter(function (e) { return /^console_io\(CONSOLEIO_write, \d+ bytes\) = 0/.test(e.detail); });
    expectEqual("every console line is one console_io hypercall", writes.length, pv.counters["hypercalls.console_io"]);
    expectEqual("the timer arrives as event upcalls, one per injected interrupt", pv.counters.upcalls,
                pv.counters.interrupts_injected);
    // System calls (int 0x80) are reflected exceptions that never enter the hypervisor: Xen's
    // direct trap (init_int80_direct_trap, xen/arch/x86/x86_32/traps.c).
    expectEqual("hypercalls and upcalls are nearly all the monitor entries (one trap left)",
                pv.counters.vmm_entries - pv.counters.hypercalls - pv.counters.upcalls,
                pv.counters.traps + pv.counters.exceptions_reflected - pv.counters.syscalls);
    answer("hypercall_instruction", "int 0x82");
    highlight("hypercalls.console_io");
}

function splitDriver() {
    show("pv");
    show("sharedPages");
    var pv = lab.vm({mode: "pv", events: ["dom0", "hypercall"]});
    var disk = pv.console.split("\n").filter(function (l) { return l.indexOf("disk sector 1 says:") === 0; });
    expectEqual("the paravirtual kernel read its disk sector", disk.length, 1);
    expectEqual("without touching the ATA ports", pv.counters["disk.sectors_read"], 0);
    expect("dom0's blkback connected to the guest's ring",
           pv.events.some(function (e) { return e.kind === "dom0" && e.detail.indexOf("connected") >= 0; }),
           JSON.stringify(pv.events.filter(function (e) { return e.kind === "dom0"; })));
    expect("one request went through the ring and was answered", pv.counters["blkback.requests"] >= 1 &&
           pv.counters["blkback.sectors_read"] >= 1, "requests " + pv.counters["blkback.requests"]);
    expect("dom0 mapped the granted pages (ring and data)", pv.counters.grant_maps >= 2, "grant_maps = " + pv.counters.grant_maps);
    var hypercall = function (pattern) {
        return pv.events.some(function (e) { return e.kind === "hypercall" && pattern.test(e.detail); });
    };
    expect("the guest found its grant table", hypercall(/^grant_table_op\(GNTTABOP_setup_table/), "no GNTTABOP_setup_table");
    expect("and notified dom0 over an event channel", hypercall(/^event_channel_op\(EVTCHNOP_send, port \d+\) = 0/),
           "no EVTCHNOP_send");
    answer("disk_server", pv.counters["blkback.requests"] >= 1 && pv.counters["disk.sectors_read"] === 0
           ? "dom0's blkback, over a ring in a granted page" : "the guest's own ATA driver");
    highlight("blkback.requests");
}
