// The translator beyond flag arithmetic, each program checked against Unicorn's x86 CPU block by
// block (compareLockstep) or run to the end side by side: the string instructions in both
// directions with every rep prefix, cpuid's documented model, %gs TLS after set_thread_area,
// #DE from the 8/16-bit divide helpers, and self-modifying code; and the host-instruction count
// against the instructions Unicorn's ARM64 CPU really ran.
#include <gtest/gtest.h>

#include <unicorn/unicorn.h>

#include <cstring>
#include <map>

#include "core/assets.h"
#include "emulator/cpuid_model.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/dbt/translator.h"
#include "emulator/guest_loader.h"
#include "emulator/unicorn_memory.h"
#include "emulator/unicorn_x86_engine.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu;
using vl::RunState;
using vl::test::assembleGuest;

namespace {

constexpr const char* kExit = "        mov ebx, eax\n        mov eax, 1\n        int 0x80\n";

void expectLockstepMatch(const std::string& name, const std::string& source) {
    const GuestImage image = assembleGuest(name + ".asm", source);
    const dbt::CompareResult r = dbt::compareLockstep(image);
    EXPECT_TRUE(r.match) << name << ": " << (r.divergence ? r.divergence->message() : r.dbt_failure);
    EXPECT_TRUE(r.exited) << name << ": " << r.dbt_failure;
}

// The string programs work on a 64-byte buffer on the stack filled with 0..63.
const std::string kBuffer =
    "        sub esp, 128\n"
    "        xor eax, eax\n"
    ".fill:  mov [esp+eax], al\n"
    "        inc eax\n"
    "        cmp eax, 128\n"
    "        jne .fill\n";

}  // namespace

TEST(DbtStrings, MovesStoresAndLoadsInBothDirections) {
    for (const char* size : {"b", "w", "d"}) {
        const std::string s = size;
        expectLockstepMatch("movs" + s, kBuffer +
            "        lea esi, [esp+8]\n        lea edi, [esp+64]\n        mov ecx, 5\n        rep movs" + s + "\n"
            "        std\n        lea esi, [esp+40]\n        lea edi, [esp+100]\n        mov ecx, 4\n        rep movs" + s + "\n"
            "        movs" + s + "\n        cld\n        movs" + s + "\n"
            "        mov eax, [esp+64]\n        add eax, [esp+96]\n        add eax, [esp+100]\n" + kExit);
        expectLockstepMatch("stos" + s, kBuffer +
            "        mov eax, 0x81828384\n        lea edi, [esp+3]\n        mov ecx, 7\n        rep stos" + s + "\n"
            "        std\n        mov ecx, 3\n        rep stos" + s + "\n        stos" + s + "\n        cld\n"
            "        xor ecx, ecx\n        rep stos" + s + "\n"
            "        mov eax, [esp]\n        xor eax, [esp+12]\n        xor eax, [esp+24]\n" + kExit);
        expectLockstepMatch("lods" + s, kBuffer +
            "        lea esi, [esp+17]\n        mov eax, 0xffffffff\n        lods" + s + "\n        mov edx, eax\n"
            "        std\n        lods" + s + "\n        lods" + s + "\n        cld\n        add eax, edx\n" + kExit);
    }
}

TEST(DbtStrings, ComparesAndScansWithEveryRepPrefix) {
    for (const char* size : {"b", "w", "d"}) {
        const std::string s = size;
        // Two equal runs that differ at byte 20, compared forwards and backwards.
        const std::string setup = kBuffer + "        mov byte [esp+84], 0xee\n";
        expectLockstepMatch("repe_cmps" + s, setup +
            "        lea esi, [esp+0]\n        lea edi, [esp+0]\n        mov ecx, 9\n        repe cmps" + s + "\n"
            "        setne dl\n        mov eax, ecx\n        add eax, esi\n"
            "        lea esi, [esp+12]\n        lea edi, [esp+13]\n        mov ecx, 9\n        repne cmps" + s + "\n"
            "        std\n        lea esi, [esp+60]\n        lea edi, [esp+60]\n        mov ecx, 4\n        repe cmps" + s + "\n"
            "        cld\n        cmps" + s + "\n        setz dh\n        xor ecx, ecx\n        repe cmps" + s + "\n"
            "        add eax, ecx\n" + kExit);
        expectLockstepMatch("scas" + s, setup +
            "        lea edi, [esp]\n        mov eax, 0x0b0a0908\n        mov ecx, 40\n        repne scas" + s + "\n"
            "        mov edx, ecx\n        lea edi, [esp+64]\n        mov eax, 0x43424140\n        mov ecx, 30\n        repe scas" + s + "\n"
            "        std\n        lea edi, [esp+90]\n        mov ecx, 50\n        repne scas" + s + "\n        cld\n"
            "        scas" + s + "\n        add eax, ecx\n        add eax, edx\n" + kExit);
    }
}

TEST(DbtSystem, CpuidAnswersTheDocumentedModelOnBothEngines) {
    expectLockstepMatch("cpuid",
        "        xor eax, eax\n        cpuid\n        push ecx\n        push edx\n        push ebx\n"
        "        mov eax, 1\n        cpuid\n        mov esi, edx\n        mov eax, 0x80000000\n        cpuid\n"
        "        mov eax, 7\n        xor ecx, ecx\n        cpuid\n" + std::string(kExit));
    DbtEngine dbt(assembleGuest("vendor.asm", "        xor eax, eax\n        cpuid\n        jmp .n\n.n:     mov eax, 1\n        int 0x80\n"));
    dbt.run(1);
    const X86Registers r = dbt.registers();
    char vendor[13] = {};
    std::memcpy(vendor, &r.ebx, 4);
    std::memcpy(vendor + 4, &r.edx, 4);
    std::memcpy(vendor + 8, &r.ecx, 4);
    EXPECT_STREQ(vendor, "VirtLab-i386");
    EXPECT_EQ(r.eax, 1u);
    EXPECT_EQ(virtlabCpuid(1, 0).edx, (1u << 0) | (1u << 15));
}

TEST(DbtSystem, GsSegmentBaseAfterSetThreadArea) {
    // struct user_desc {entry_number=-1, base_addr=esp-64, limit=0xfffff, flags=0x51 (seg_32bit,
    // limit_in_pages, useable)}, then gs = entry*8+3 and gs-relative loads and stores, as
    // glibc's TLS_INIT_TP does.
    expectLockstepMatch("gs_tls",
        "        sub esp, 256\n        lea eax, [esp+128]\n"
        "        mov dword [esp], -1\n        mov [esp+4], eax\n        mov dword [esp+8], 0xfffff\n        mov dword [esp+12], 0x51\n"
        "        mov dword [eax], 0x11111111\n        mov dword [eax+8], 0x22222222\n"
        "        mov ebx, esp\n        mov eax, 243\n        int 0x80\n"
        "        mov eax, [esp]\n        shl eax, 3\n        or eax, 3\n        mov gs, ax\n"
        "        mov edx, [gs:0]\n        add edx, [gs:8]\n        mov dword [gs:4], 0x33\n        mov ecx, 4\n"
        "        add edx, [gs:ecx]\n        mov ax, gs\n        movzx esi, ax\n        mov eax, edx\n" + std::string(kExit));
}

TEST(DbtSystem, NarrowDivideErrorsAreTheSameFaultAsOnX86) {
    for (const char* body : {"        mov ax, 0x1000\n        mov bl, 2\n        div bl\n",      // quotient 0x800 > 0xff
                             "        mov ax, 5\n        xor bx, bx\n        div bx\n",
                             "        mov ax, -32768\n        mov dx, -1\n        mov bx, -1\n        idiv bx\n"}) {
        const GuestImage image = assembleGuest("de_narrow.asm", std::string("        mov esi, 3\n") + body);
        DbtEngine dbt(image);
        UnicornX86Engine ref(image);
        EXPECT_EQ(dbt.run(), RunState::Failed) << body;
        EXPECT_EQ(ref.run(), RunState::Failed) << body;
        EXPECT_EQ(dbt.failure(), ref.failure()) << body;
        EXPECT_EQ(dbt.guestInstructions(), ref.guestInstructions()) << body;
        EXPECT_EQ(dbt.registers().eip, ref.registers().eip) << body;
    }
    // edx:eax = -2^63 divided by -1: the quotient overflows, #DE on x86. Not compared: Unicorn
    // 2.0.1 computes it with a host division and dies of SIGFPE (QEMU's helper_idivl).
    DbtEngine dbt(assembleGuest("de_min.asm", "        xor eax, eax\n        mov edx, 0x80000000\n        mov ecx, -1\n        idiv ecx\n"));
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_EQ(dbt.failure(), "CPU exception: #DE divide error at 0x0040000c: idiv ecx");
}

TEST(DbtSelfModifyingCode, PatchedCodeRunsAsOnUnicornX86) {
    // patchme returns 10, then 11, then 12: each pass increments the immediate of its
    // `mov eax, 10` (the dword at patchme+1) after calling it. Exit status: 12 + 100.
    const std::string source =
        "        mov ecx, 3\n"
        "again:  call patchme\n"
        "        inc dword [patchme + 1]\n"
        "        loop again\n"
        "        add eax, 100\n" + std::string(kExit) +
        "patchme: mov eax, 10\n"
        "        ret\n";
    const GuestImage image = assembleGuest("smc.asm", source);
    DbtEngine dbt(image);
    UnicornX86Engine ref(image);
    ASSERT_EQ(dbt.run(), RunState::Finished) << dbt.failure();
    ASSERT_EQ(ref.run(), RunState::Finished) << ref.failure();
    EXPECT_EQ(dbt.exitCode(), 112);
    EXPECT_EQ(ref.exitCode(), 112);
    EXPECT_EQ(dbt.guestInstructions(), ref.guestInstructions());
    EXPECT_EQ(dbt.registers(), ref.registers());
    EXPECT_GE(dbt.counters().at("invalidations"), 2u);
    expectLockstepMatch("smc_lockstep", source);
}

TEST(DbtSelfModifyingCode, CodeWrittenByASystemCallIsRetranslated) {
    // read(2) from an empty pipe is not available here, so the guest copies new code over a
    // translated function with rep movsb (a string store into code) and calls it again.
    const std::string source =
        "        call func\n"
        "        mov edx, eax\n"
        "        mov esi, newcode\n        mov edi, func\n        mov ecx, newcode_end - newcode\n        rep movsb\n"
        "        call func\n"
        "        add eax, edx\n" + std::string(kExit) +
        "func:   mov eax, 1\n        ret\n"
        "newcode: mov eax, 40\n        ret\n"
        "newcode_end:\n";
    const GuestImage image = assembleGuest("smc_movs.asm", source);
    DbtEngine dbt(image);
    ASSERT_EQ(dbt.run(), RunState::Finished) << dbt.failure();
    EXPECT_EQ(dbt.exitCode(), 41);
    EXPECT_GE(dbt.counters().at("invalidations"), 1u);
    expectLockstepMatch("smc_movs_lockstep", source);
}

// pushf shows EFLAGS whole (bit 1, IF, DF, the six flags); popf loads the six flags, DF and the
// system bits ring 0 may change (IF, IOPL, NT, AC, ID), 32- and 16-bit forms. Each pushed value
// lands in a register that the lockstep comparison checks after every block.
TEST(DbtSystem, PushfAndPopfMoveEflagsAsOnX86) {
    expectLockstepMatch("pushf_popf",
                        "        mov eax, 0x7fffffff\n"
                        "        add eax, 1              ; OF SF AF PF set, CF ZF clear\n"
                        "        pushfd\n"
                        "        pop ebx\n"
                        "        push dword 0x00247cd5   ; every flag, DF, IOPL 3, NT, AC, ID; IF clear\n"
                        "        popfd\n"
                        "        pushfd\n"
                        "        pop ecx\n"
                        "        jo .over                ; reads the OF popfd loaded\n"
                        "        inc edx\n"
                        ".over:  push word 0x08c1        ; 16 bits: OF, CF, SF; DF and the rest clear\n"
                        "        popfw\n"
                        "        pushfw\n"
                        "        pop si\n"
                        "        pushfd\n"
                        "        pop edi\n"
                        "        setc al                 ; CF from popfw\n"
                        "        movzx eax, al\n" +
                            std::string(kExit));
}

TEST(DbtSystem, PopfSettingTheTrapFlagStopsWithAClearMessage) {
    const GuestImage image = assembleGuest("popf_tf.asm", "        push dword 0x302\n        popfd\n" + std::string(kExit));
    DbtEngine dbt(image);
    EXPECT_EQ(dbt.run(), RunState::Failed);
    EXPECT_NE(dbt.failure().find("popf setting TF"), std::string::npos) << dbt.failure();
}

// ---- the host-instruction count is what the ARM64 CPU executed ----

namespace {

// A dispatcher of its own (not DbtEngine's) around translateBlock, so that Unicorn's ARM64
// CPU can count every instruction it runs in the translated code with a code hook. Direct
// branches are chained as the runtime chains them (the conditional shortcut included); the
// lookup table stays empty, so every indirect branch takes its miss exit; every fifth entry
// gets a budget too small for its block, so budget exits run too. System calls: write(2)
// (discarded) and exit(2).
struct CountedRun {
    uint64_t counted = 0;   // x24, the translator's own count
    uint64_t executed = 0;  // instructions the code hook saw in the code cache
    bool exited = false;
    std::string stop;       // why it stopped, when it did not exit
};

CountedRun runCounted(const GuestImage& image) {
    using namespace vl::emu::dbt;
    CountedRun out;
    UcHandle uc = openUnicorn(UC_ARCH_ARM64, UC_MODE_ARM);
    mapImage(uc.get(), image, kGuestBase, false);
    constexpr uint32_t kStack = 0x00800000, kStackBytes = 0x10000;
    uc_mem_map(uc.get(), kGuestBase + kStack, kStackBytes, UC_PROT_READ | UC_PROT_WRITE);
    uc_mem_map(uc.get(), kCodeCacheAddress, 4 << 20, UC_PROT_ALL);
    uc_mem_map(uc.get(), kExitAddress, 0x1000, UC_PROT_ALL);
    uc_mem_map(uc.get(), kLookupAddress, kLookupEntries * 16, UC_PROT_READ);
    auto set = [&](int reg, uint64_t v) { uc_reg_write(uc.get(), reg, &v); };
    auto get = [&](int reg) {
        uint64_t v = 0;
        uc_reg_read(uc.get(), reg, &v);
        return v;
    };
    auto x = [](unsigned n) { return UC_ARM64_REG_X0 + static_cast<int>(n); };
    set(x(4), kStack + kStackBytes - 64);
    set(x(kMemBase), kGuestBase);
    set(x(kLookupBase), kLookupAddress);
    set(x(kDirection), 1);

    uc_hook code_hook, intr_hook;
    uc_hook_add(uc.get(), &code_hook, UC_HOOK_CODE,
                reinterpret_cast<void*>(+[](uc_engine*, uint64_t, uint32_t, void* n) { ++*static_cast<uint64_t*>(n); }),
                &out.executed, kCodeCacheAddress, kCodeCacheAddress + (4 << 20) - 1);
    struct Syscalls {
        uc_engine* uc;
        bool exited = false;
    } sys{uc.get()};
    uc_hook_add(uc.get(), &intr_hook, UC_HOOK_INTR, reinterpret_cast<void*>(+[](uc_engine* u, uint32_t, void* self) {
                    auto& s = *static_cast<Syscalls*>(self);
                    uint64_t eax = 0, edx = 0;
                    uc_reg_read(u, UC_ARM64_REG_X0, &eax);
                    uc_reg_read(u, UC_ARM64_REG_X2, &edx);
                    if (eax == 4) uc_reg_write(u, UC_ARM64_REG_X0, &edx);  // write: every byte "written"
                    if (eax == 1 || eax == 252) {
                        s.exited = true;
                        uc_emu_stop(u);
                    }
                }),
                &sys, 1, 0);

    X86Decoder decoder;
    const CodeFetch fetch = [&](uint32_t at, uint8_t* bytes, size_t want) -> size_t {
        size_t n = 0;
        while (n < want && uc_mem_read(uc.get(), kGuestBase + at + n, bytes + n, 1) == UC_ERR_OK) ++n;
        return n;
    };
    std::map<uint32_t, TranslatedBlock> blocks;
    uint64_t cursor = kCodeCacheAddress;
    auto blockAt = [&](uint32_t guest) -> const TranslatedBlock& {
        if (const auto it = blocks.find(guest); it != blocks.end()) return it->second;
        // Nothing here writes code: every direct jmp and call may be followed.
        TranslatedBlock b = translateBlock(decoder, fetch, guest, cursor, [](uint32_t, uint32_t) { return true; });
        uc_mem_write(uc.get(), b.host_start, b.code.data(), b.code.size() * 4);
        cursor += b.code.size() * 4;
        return blocks.emplace(guest, std::move(b)).first->second;
    };
    auto patch = [&](uint64_t at, uint32_t word) {
        uc_mem_write(uc.get(), at, &word, 4);
        uc_ctl_remove_cache(uc.get(), at, at + 4);
    };

    uint32_t eip = image.entry;
    for (unsigned entry = 0; entry < 100000; ++entry) {
        const TranslatedBlock& b = blockAt(eip);
        set(x(kBudget), entry % 5 == 4 && b.insns.size() > 1 ? 1 : uint64_t(1) << 40);
        if (const uc_err err = uc_emu_start(uc.get(), b.host_start, kExitAddress, 0, 0); err != UC_ERR_OK) {
            out.stop = ucErrorName(err);
            break;
        }
        if (sys.exited) {
            out.exited = true;
            break;
        }
        const auto reason = static_cast<ExitReason>(get(x(kExitReason)) & 0xFFFFFFFF);
        eip = static_cast<uint32_t>(get(x(kExitEip)));
        if (reason != ExitReason::Miss && reason != ExitReason::Budget) {
            out.stop = "exit reason " + std::to_string(static_cast<unsigned>(reason)) + " at " + hex32(eip);
            break;
        }
        const uint64_t site = get(x(kExitSite));
        if (reason != ExitReason::Miss || site == 0) continue;
        const TranslatedBlock& target = blockAt(eip);
        for (const auto& [guest, from] : blocks)
            for (const ChainSite& c : from.chain_sites) {
                if (from.host_start + c.word_index * 4 != site) continue;
                patch(site, *A64Emitter::retarget(from.code[c.word_index], site, target.host_start));
                const uint64_t shortcut = from.host_start + uint64_t(c.shortcut_word) * 4;
                if (c.shortcut_word >= 0)
                    if (const auto word = A64Emitter::retarget(from.code[static_cast<size_t>(c.shortcut_word)], shortcut, target.host_start))
                        patch(shortcut, *word);
            }
    }
    out.counted = get(x(kHostCount));
    return out;
}

void expectExactCount(const std::string& name, const GuestImage& image) {
    const CountedRun r = runCounted(image);
    EXPECT_TRUE(r.exited) << name << ": " << r.stop;
    EXPECT_GT(r.executed, 100u) << name;
    EXPECT_EQ(r.counted, r.executed) << name << ": the count in x24 differs from what the ARM64 CPU ran";
}

}  // namespace

TEST(DbtCounting, HostInstructionsAreExactlyWhatTheArm64CpuRan) {
    // Every shape of control flow in translated code: a hot backward loop, forward jcc both
    // ways, loop and jecxz, parity conditions, followed calls and jumps (forward and back),
    // returns through the lookup table's miss exit, rep and repe/repne passes (running out and
    // stopping early), skipped flag code (shift by cl = 0, bsf of 0, cmovp), divide.
    expectExactCount("shapes", assembleGuest("count_shapes.asm",
        "        mov ecx, 10\n        xor eax, eax\n"
        ".loop:  add eax, ecx\n        dec ecx\n        jnz .loop\n"
        "        cmp eax, 55\n        je .fwd\n        hlt\n"
        ".fwd:   cmp eax, 54\n        je .never\n        mov ecx, 3\n"
        ".l2:    loop .l2\n        jecxz .z\n        hlt\n"
        ".z:     test eax, eax\n        jp .p1\n        nop\n"
        ".p1:    jnp .p2\n        nop\n"
        ".p2:    call func\n        mov eax, 7\n        call fib\n        push eax\n"
        "        lea edi, [buf]\n        mov ecx, 5\n        mov al, 7\n        rep stosb\n        xor ecx, ecx\n        rep stosb\n"
        "        lea esi, [buf]\n        lea edi, [buf2]\n        mov ecx, 8\n        repe cmpsb\n"
        "        lea esi, [buf]\n        mov edi, esi\n        mov ecx, 4\n        repe cmpsb\n"
        "        lea edi, [buf]\n        mov al, 9\n        mov ecx, 6\n        repne scasb\n"
        "        pop eax\n        mov cl, 0\n        shl eax, cl\n        mov cl, 3\n        shl eax, cl\n        jc .never\n"
        "        xor edx, edx\n        bsf ebx, edx\n        jz .b1\n"
        ".b1:    mov edx, 8\n        bsf ebx, edx\n        test eax, eax\n        cmovp ebx, ecx\n        cmovnp ebx, edx\n"
        "        mov eax, 100\n        xor edx, edx\n        mov ecx, 7\n        div ecx\n        jmp far_end\n"
        ".never: hlt\n"
        "func:   add eax, 1\n        ret\n"
        "fib:    cmp eax, 2\n        jb .done\n        push eax\n        dec eax\n        call fib\n        pop ecx\n"
        "        push eax\n        lea eax, [ecx - 2]\n        call fib\n        pop ecx\n        add eax, ecx\n.done:  ret\n"
        "far_end: mov ebx, eax\n        mov eax, 1\n        int 0x80\n"
        "buf:    times 16 db 7\n"
        "buf2:   db 7, 7, 7, 1, 7, 7, 7, 7\n"));
    // A whole workload: the recursive fib of `virtlab bench dbt`, and the plain fib program.
    expectExactCount("bench_fib_quick", loadGuest(vl::builtAsset("programs/bench_fib_quick.elf")));
    expectExactCount("fib.elf", loadGuest(vl::builtAsset("programs/fib.elf")));
}
