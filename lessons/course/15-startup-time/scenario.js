// Lesson 15: start-up time. A real container's timed phases; the guest kernel's boot under a
// VT-x-style monitor, counted in instructions, exits and modeled cycles.

// The last line of the guest kernel's set-up (descriptor tables, serial port, interrupt
// controller, timer, and finally its divide-error handler tested); its first job follows.
var BOOTED = "caught by the kernel's handler";

function containerStart() {
    show("containers");
    var run = lab.container({argv: ["/bin/true"]});
    expectEqual("/bin/true ran and exited 0", run.exit_code, 0);
    var names = Object.keys(run.phases_ms);
    expect("the runtime timed its start-up phase by phase", names.length >= 5, JSON.stringify(run.phases_ms));
    ["clone", "pivot_root", "exec"].forEach(function (p) {
        expect("one phase is " + p, names.indexOf(p) >= 0, JSON.stringify(names));
    });
    var total = names.reduce(function (sum, n) { return sum + run.phases_ms[n]; }, 0);
    expect("the phases account for no more than the whole run", total <= run.seconds * 1000 + 1,
           total.toFixed(2) + " ms of phases, run " + (run.seconds * 1000).toFixed(2) + " ms");
    answer("container_phases", names.length);
    answer("container_ms", Math.round(total * 100) / 100);
    highlight("phases_ms");
}

function vmBoot() {
    show("vm");
    var boot = lab.vm({mode: "hw", until_console: BOOTED});
    var whole = lab.vm({mode: "hw"});
    expect("the kernel finished setting itself up", boot.until_console_seen === true, boot.console);
    expectEqual("and was stopped there, not finished", boot.state, "paused");
    var b = boot.counters, w = whole.counters;
    expect("booting is a small part of the kernel's run", b.guest_instructions * 4 < w.guest_instructions,
           b.guest_instructions + " of " + w.guest_instructions + " instructions");
    expect("booting already needed the monitor (port I/O, control registers)", b.vmm_entries > 0,
           "vmm_entries = " + b.vmm_entries);
    var exitCycles = b.modeled_cycles - b.guest_instructions;
    expect("most of the modeled boot time is VM exits, not guest instructions", exitCycles > b.guest_instructions,
           exitCycles + " cycles in exits, " + b.guest_instructions + " in instructions");
    answer("boot_exit_percent", Math.round(100 * exitCycles / b.modeled_cycles));
    answer("boot_instructions", b.guest_instructions);
    // At an assumed 3 GHz, the modeled boot takes this many microseconds.
    answer("boot_modeled_us", Math.round(b.modeled_cycles / 3000));
    answer("firecracker_ms", 125);
    answer("why_unikernels_boot_fast", "It initialises only what its one application needs: no probing for devices it will not use, no init system, no user-space start-up");
    highlight("modeled_cycles");
}
