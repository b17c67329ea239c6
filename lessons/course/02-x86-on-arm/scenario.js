// Lesson 2: the tour program's i386 bytes on an ARM64 core, then under an x86 emulator.

function runOnArm() {
    show("emulation");
    var run = lab.emulate({program: "tour/tour-i386", engine: "arm-direct"});
    expectEqual("the ARM core stops with a failure", run.state, "failed");
    expect("the failure is an undefined instruction",
           run.failure.indexOf("undefined instruction") >= 0, run.failure);
    expectEqual("no AArch64 instruction completed", run.counters.arm64_instructions, 0);
    answer("arm_instructions", run.counters.arm64_instructions);
    highlight("failure");
}

function readTheWords() {
    show("listing");
    var run = lab.emulate({program: "tour/tour-i386", engine: "arm-direct"});
    expect("the first word is the x86 prologue 83 e4 f0 e8",
           run.listing[0].indexOf("0xe8f0e483") >= 0, run.listing[0]);
    var undefinedWords = run.listing.filter(function (l) { return l.indexOf("undefined") >= 0; });
    var validByAccident = run.listing.filter(function (l) { return l.indexOf("undefined") < 0; });
    expect("most words are undefined A64 encodings",
           undefinedWords.length > validByAccident.length,
           undefinedWords.length + " undefined, " + validByAccident.length + " valid");
    expect("some words decode as A64 by accident", validByAccident.length > 0, "none did");
    answer("why", "The bytes encode x86 instructions; read as 32-bit AArch64 words they are mostly undefined encodings");
}

function emulateIt() {
    show("console");
    var run = lab.emulate({program: "tour/tour-i386", engine: "unicorn"});
    expectEqual("the emulated program finishes", run.state, "finished");
    expectEqual("with exit code 0", run.exit_code, 0);
    var m = /primes below 20000: (\d+)/.exec(run.console);
    expect("it prints its result", m !== null, run.console);
    if (m) answer("primes", Number(m[1]));
    expect("every instruction ran in software", run.counters.guest_instructions > 100000,
           "guest_instructions = " + run.counters.guest_instructions);
    highlight("guest_instructions");
}
