// Lesson 1: system calls from a user program, privileged instructions and the timer in a kernel.

function systemCalls() {
    show("emulation");
    var run = lab.emulate({program: "programs/syscalls.elf"});
    expectEqual("the program ends with the status it asked for", run.exit_code, 3);
    var c = run.counters;
    expectEqual("brk was called twice", c["syscalls.brk"], 2);
    expect("every system call is counted by name",
           c["syscalls"] === c["syscalls.write"] + c["syscalls.getpid"] + c["syscalls.brk"] + c["syscalls.exit"],
           JSON.stringify(c));
    expect("the kernel answered getpid", /^pid \d+/.test(run.console), run.console);
    answer("syscalls", c["syscalls"]);
    answer("exit_status", run.exit_code);
    highlight("syscalls");
}

function privilegedInstructions() {
    show("listing");
    var run = lab.vm({mode: "trap"});
    var sites = run.listing.join("\n");
    expect("the kernel turns interrupts off and on", /\bcli\b/.test(sites) && /\bsti\b/.test(sites), sites);
    expect("the kernel loads its descriptor tables", /\blgdt\b/.test(sites) && /\blidt\b/.test(sites), sites);
    expect("the kernel writes to device ports", run.counters["traps.out"] > 0, "traps.out = " + run.counters["traps.out"]);
}

function timerInterrupts() {
    show("console");
    var run = lab.vm({mode: "trap"});
    expectEqual("the kernel finishes", run.state, "finished");
    expect("timer interrupts were delivered", run.counters["interrupts_injected"] > 16,
           "interrupts_injected = " + run.counters["interrupts_injected"]);
    expect("hlt woke up on every tick", run.console.indexOf("timer handler ran for every wake-up: yes") >= 0, run.console);
    expect("no tick got into a cli section", run.console.indexOf("timer interrupts taken inside cli sections: 0") >= 0,
           run.console);
    highlight("interrupts_injected");
    answer("preemption", "A timer interrupt");
}
