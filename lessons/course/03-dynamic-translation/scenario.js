// Lesson 3: the x86 -> AArch64 translator at work (emulator/dbt/), block by block.

// The instructions of a lab.translate() run, flattened: [{block, address, x86, arm64, ...}].
function allInstructions(run) {
    var out = [];
    run.blocks.forEach(function (b) {
        b.instructions.forEach(function (i) { i.block = b.address; out.push(i); });
    });
    return out;
}

function find(run, x86) {
    return allInstructions(run).filter(function (i) { return i.x86 === x86; })[0];
}

function startsWith(list, prefix) {
    return list.some(function (text) { return text.indexOf(prefix + " ") === 0; });
}

var ADD_THEN_SUB = [
    "        mov     eax, 7",
    "        mov     ebx, 35",
    "        add     eax, ebx        ; 42; its flags are dead: sub overwrites every one",
    "        sub     eax, 2          ; 40; sets ZF, which jz reads",
    "        jz      zero",
    "        mov     ebx, eax        ; the exit status: 40",
    "        mov     eax, 1          ; exit(ebx)",
    "        int     0x80",
    "zero:   mov     ebx, 99",
    "        mov     eax, 1",
    "        int     0x80"
].join("\n");

var ADD_THEN_JC = [
    "        mov     eax, 0xffffffff",
    "        mov     ebx, 1",
    "        add     eax, ebx        ; carries out: CF = 1, and jc reads it",
    "        jc      carried",
    "        mov     ebx, 1          ; wrong: the carry was lost",
    "        jmp     done",
    "carried: mov    ebx, 0          ; right",
    "done:   mov     eax, 1",
    "        int     0x80"
].join("\n");

function translateAdd() {
    show("emulation");
    var run = lab.translate({source: ADD_THEN_SUB});
    expectEqual("the translated snippet exits with 40", run.exit_code, 40);
    var add = find(run, "add eax, ebx");
    expect("add eax, ebx was translated", add !== undefined, JSON.stringify(allInstructions(run).map(function (i) { return i.x86; })));
    if (!add) return;
    expect("it became an AArch64 add", startsWith(add.arm64, "add"), JSON.stringify(add.arm64));
    expect("a few AArch64 instructions, not dozens", add.arm64.length >= 1 && add.arm64.length <= 4,
           add.arm64.length + ": " + JSON.stringify(add.arm64));
    answer("add_words", add.arm64.length);
    answer("exit_status", run.exit_code);
    highlight("add eax, ebx");
}

function lazyFlags() {
    show("listing");
    var dead = find(lab.translate({source: ADD_THEN_SUB}), "add eax, ebx");
    var live = lab.translate({source: ADD_THEN_JC});
    expectEqual("jc saw the carry (exit status 0)", live.exit_code, 0);
    var liveAdd = find(live, "add eax, ebx");
    expect("with its flags dead, the add skipped all six", dead.flags_skipped.length === 6 && dead.flags_computed.length === 0,
           "computed " + JSON.stringify(dead.flags_computed) + ", skipped " + JSON.stringify(dead.flags_skipped));
    expect("with CF read by jc, the add computed CF", liveAdd.flags_computed.indexOf("CF") >= 0,
           JSON.stringify(liveAdd.flags_computed));
    expect("the flag-setting add is longer than the flag-free one", liveAdd.arm64.length > dead.arm64.length,
           "live " + JSON.stringify(liveAdd.arm64) + ", dead " + JSON.stringify(dead.arm64));
    expect("the live add sets NZCV (adds)", startsWith(liveAdd.arm64, "adds"), JSON.stringify(liveAdd.arm64));

    // The same count over a whole program: how many flag results the liveness pass skipped.
    var tour = lab.translate({program: "tour/tour-i386"});
    var computed = 0, skipped = 0;
    allInstructions(tour).forEach(function (i) { computed += i.flags_computed.length; skipped += i.flags_skipped.length; });
    expect("across the tour program most flag results are never computed", skipped > computed,
           "computed " + computed + ", skipped " + skipped);
    answer("flags_skipped_percent", Math.round(100 * skipped / (computed + skipped)));
    highlight("flags_skipped");
}

function stiStops() {
    show("console");
    var run = lab.translate({source: [
        "        mov     eax, 1",
        "        mov     ebx, 5",
        "        sti                     ; enable interrupts: privileged, and not arithmetic",
        "        int     0x80"].join("\n")});
    expectEqual("the run stops at sti instead of finishing", run.state, "failed");
    expect("the reason names sti", /\bsti\b/.test(run.failure), run.failure);
    var before = allInstructions(run).map(function (i) { return i.x86; });
    expectEqual("the instructions before it were translated", before.slice(0, 2), ["mov eax, 1", "mov ebx, 5"]);
    highlight("failure");
}

function cacheAndChaining() {
    show("counters");
    var dbt = lab.emulate({program: "tour/tour-i386", engine: "dbt"});
    var ref = lab.emulate({program: "tour/tour-i386", engine: "unicorn"});
    expectEqual("the translated program prints what the x86 reference prints", dbt.console, ref.console);
    var c = dbt.counters;
    expect("each translated block ran at least a hundred times", c.blocks >= 100 * c.blocks_translated,
           c.blocks + " blocks ran, " + c.blocks_translated + " translated");
    expect("control left the translated code rarely: under 1 in 100 blocks",
           c.helper_exits * 100 < c.blocks, c.helper_exits + " exits to the dispatcher for " + c.blocks + " blocks");
    expect("direct branches were chained", c.chained_jumps > 0, "chained_jumps = " + c.chained_jumps);
    answer("blocks_per_translation", Math.floor(c.blocks / c.blocks_translated));
    answer("why_fast", "Its blocks stay in the translation cache and are chained to each other, so later passes run translated code without returning to the translator");
    highlight("chained_jumps");
}
