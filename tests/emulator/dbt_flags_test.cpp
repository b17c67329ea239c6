// Flag semantics of every covered instruction, against Unicorn's x86 CPU: for each operation a
// program runs it over many operand pairs (the edge values 0, 1, 0x7fffffff, 0x80000000,
// 0xffffffff and their neighbours), twice -- once entered with CF=0 and once with CF=1, so
// instructions that keep CF (inc, dec) are checked too. Every case ends with a jmp, so it is
// its own block boundary, where compareLockstep checks all registers and the six flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "emulator/dbt/host_abi.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/dbt/translator.h"
#include "tests/emulator/test_guest.h"

using namespace vl::emu;

namespace {

const std::vector<uint32_t> kEdges = {0, 1, 2, 0xF, 0x10, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                                      0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF};

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

// `body` uses eax = A and ebx = B; it is emitted once per pair and per starting carry.
// Returns the number of cases.
size_t buildCases(std::string& src, const std::string& body, const std::vector<uint32_t>& values) {
    size_t n = 0;
    for (uint32_t a : values)
        for (uint32_t b : values)
            for (int carry = 0; carry < 2; ++carry) {
                const std::string label = "c" + std::to_string(n++);
                src += "        mov esi, 0\n";
                src += carry ? "        cmp esi, 1               ; CF=1\n" : "        cmp esi, 0               ; CF=0\n";
                src += "        mov eax, " + hex(a) + "\n        mov ebx, " + hex(b) + "\n        mov ecx, " + hex(b) + "\n";
                src += body + "\n        jmp " + label + "\n" + label + ":\n";
            }
    return n;
}

// Conditions only need operands that reach every flag combination, not every edge.
const std::vector<uint32_t> kFewEdges = {0, 1, 0x7F, 0x80, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};

void expectSameAsUnicorn(const std::string& name, const std::string& body, const std::vector<uint32_t>& values = kEdges) {
    std::string src;
    const size_t cases = buildCases(src, body, values);
    src += "        mov eax, 1\n        xor ebx, ebx\n        int 0x80\n";
    const GuestImage image = vl::test::assembleGuest(name + ".asm", src);
    const dbt::CompareResult r = dbt::compareLockstep(image);
    EXPECT_TRUE(r.match) << name << ": " << (r.divergence ? r.divergence->message() : r.dbt_failure);
    EXPECT_TRUE(r.exited) << name;
    EXPECT_GE(r.blocks_compared, cases) << name;
}

}  // namespace

TEST(DbtFlags, AddSubCmpOn32BitRegisters) {
    for (const char* op : {"add", "sub", "cmp"}) expectSameAsUnicorn(op, std::string("        ") + op + " eax, ebx");
}

TEST(DbtFlags, LogicOn32BitRegisters) {
    for (const char* op : {"and", "or", "xor", "test"}) expectSameAsUnicorn(op, std::string("        ") + op + " eax, ebx");
}

TEST(DbtFlags, EightAndSixteenBitArithmetic) {
    for (const char* op : {"add", "sub", "cmp", "and", "or", "xor", "test"}) {
        expectSameAsUnicorn(std::string(op) + "8", std::string("        ") + op + " al, bl\n        " + op + " ah, bl");
        expectSameAsUnicorn(std::string(op) + "16", std::string("        ") + op + " ax, bx");
    }
}

TEST(DbtFlags, ImmediateAndMemoryOperands) {
    expectSameAsUnicorn("add_imm", "        add eax, 0x7fffffff");
    expectSameAsUnicorn("sub_imm8", "        sub eax, -1");
    expectSameAsUnicorn("cmp_mem", "        push ebx\n        cmp eax, [esp]\n        pop edx");
    expectSameAsUnicorn("and_mem_dst", "        push ebx\n        and [esp], eax\n        pop edx");
    expectSameAsUnicorn("add_byte_mem", "        push ebx\n        add byte [esp+1], 0x81\n        pop edx");
}

TEST(DbtFlags, IncDecKeepCarry) {
    for (const char* op : {"inc", "dec"}) {
        expectSameAsUnicorn(op, std::string("        ") + op + " eax");
        expectSameAsUnicorn(std::string(op) + "8", std::string("        ") + op + " bl");
    }
}

TEST(DbtFlags, NegAndNot) {
    expectSameAsUnicorn("neg", "        neg eax");
    expectSameAsUnicorn("neg8", "        neg bh");
    expectSameAsUnicorn("not", "        not eax\n        not bl");
}

TEST(DbtFlags, ShiftsByImmediateAndByCl) {
    for (const char* op : {"shl", "shr", "sar"}) {
        for (const char* count : {"1", "4", "31", "32"})
            expectSameAsUnicorn(std::string(op) + count, std::string("        ") + op + " eax, " + count);
        expectSameAsUnicorn(std::string(op) + "cl", std::string("        ") + op + " eax, cl");
    }
}

TEST(DbtFlags, Multiplies) {
    expectSameAsUnicorn("imul2", "        imul eax, ebx");
    expectSameAsUnicorn("imul3", "        imul eax, ebx, -3");
    expectSameAsUnicorn("imul1", "        imul ebx");
    expectSameAsUnicorn("mul", "        mul ebx");
}

TEST(DbtFlags, DivideLeavesFlagsAlone) {
    expectSameAsUnicorn("div", "        xor edx, edx\n        or ebx, 1\n        div ebx");
}

TEST(DbtFlags, EveryConditionReadsTheRightFlags) {
    for (const char* cc : {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"}) {
        const std::string c = cc;
        expectSameAsUnicorn("set" + c, "        cmp eax, ebx\n        set" + c + " dl\n        set" + c + " dh", kFewEdges);
        expectSameAsUnicorn("cmov" + c, "        sub eax, ebx\n        mov edx, 7\n        cmov" + c + " edx, ecx", kFewEdges);
        expectSameAsUnicorn("j" + c, "        add eax, ebx\n        mov edx, 1\n        j" + c + " .t\n        mov edx, 2\n.t:", kFewEdges);
    }
}

// ---- issue 3's second slice: the rest of the integer ISA ----

TEST(DbtFlags, AddAndSubtractWithCarry) {
    for (const char* op : {"adc", "sbb"}) {
        const std::string o = op;
        expectSameAsUnicorn(o, "        " + o + " eax, ebx");
        expectSameAsUnicorn(o + "8", "        " + o + " al, bl\n        " + o + " ah, bl", kFewEdges);
        expectSameAsUnicorn(o + "16", "        " + o + " ax, bx", kFewEdges);
        expectSameAsUnicorn(o + "_imm", "        " + o + " eax, 0x7fffffff", kFewEdges);
        expectSameAsUnicorn(o + "_mem", "        push ebx\n        " + o + " byte [esp+1], al\n        pop edx", kFewEdges);
    }
}

TEST(DbtFlags, NarrowShifts) {
    for (const char* op : {"shl", "shr", "sar"}) {
        const std::string o = op;
        for (const char* count : {"1", "9", "17"}) {
            expectSameAsUnicorn(o + "8_" + count, "        " + o + " al, " + count + "\n        " + o + " bh, " + count, kFewEdges);
            expectSameAsUnicorn(o + "16_" + count, "        " + o + " ax, " + count, kFewEdges);
        }
        expectSameAsUnicorn(o + "8cl", "        " + o + " al, cl\n        " + o + " bx, cl", kFewEdges);
    }
}

TEST(DbtFlags, Rotates) {
    for (const char* op : {"rol", "ror", "rcl", "rcr"}) {
        const std::string o = op;
        for (const char* count : {"1", "8", "17"}) {
            expectSameAsUnicorn(o + count, "        " + o + " eax, " + count, kFewEdges);
            expectSameAsUnicorn(o + "8_" + count, "        " + o + " al, " + count, kFewEdges);
            expectSameAsUnicorn(o + "16_" + count, "        " + o + " bx, " + count, kFewEdges);
        }
        expectSameAsUnicorn(o + "cl", "        " + o + " eax, cl\n        " + o + " dh, cl\n        " + o + " bx, cl", kFewEdges);
        expectSameAsUnicorn(o + "mem", "        push ebx\n        " + o + " dword [esp], 3\n        pop edx", kFewEdges);
    }
}

TEST(DbtFlags, DoubleShifts) {
    for (const char* op : {"shld", "shrd"}) {
        const std::string o = op;
        for (const char* count : {"1", "20"}) {
            expectSameAsUnicorn(o + count, "        " + o + " eax, ebx, " + count, kFewEdges);
            expectSameAsUnicorn(o + "16_" + count, "        " + o + " ax, bx, " + count, kFewEdges);
        }
        expectSameAsUnicorn(o + "cl", "        " + o + " eax, ebx, cl\n        " + o + " dx, ax, cl", kFewEdges);
    }
}

TEST(DbtFlags, NarrowMultipliesAndEveryDivide) {
    for (const char* body : {"        mul bl", "        imul bl", "        mul bx", "        imul bx", "        imul ax, bx",
                             "        imul ax, bx, -7", "        imul dx, [esp], 300"})
        expectSameAsUnicorn(std::string("mul_") + body, body, kFewEdges);
    expectSameAsUnicorn("div8", "        and eax, 0xff\n        or bl, 1\n        div bl", kFewEdges);
    expectSameAsUnicorn("div16", "        xor edx, edx\n        or bx, 1\n        div bx", kFewEdges);
    expectSameAsUnicorn("idiv8", "        movsx ax, al\n        and bl, 0x3f\n        or bl, 2\n        idiv bl", kFewEdges);
    expectSameAsUnicorn("idiv16", "        cwd\n        and bx, 0x3fff\n        or bx, 2\n        idiv bx", kFewEdges);
    expectSameAsUnicorn("idiv32", "        cdq\n        and ebx, 0xff\n        or ebx, 2\n        idiv ebx", kFewEdges);
    expectSameAsUnicorn("idiv32neg", "        cdq\n        or ebx, 0x80000002\n        and ebx, -2\n        idiv ebx", kFewEdges);
}

TEST(DbtFlags, BitTestsAndScans) {
    // bt* define CF and keep ZF, SF and PF; OF and AF are undefined (Intel SDM, BT) and Unicorn
    // recomputes them from its lazy state, so each case reads the defined four, then redefines
    // all six with `test`.
    const std::string read_defined = "\n        setc dl\n        sets dh\n        setz cl\n        setp ch\n        test eax, eax";
    for (const char* op : {"bt", "bts", "btr", "btc"}) {
        const std::string o = op;
        expectSameAsUnicorn(o, "        " + o + " eax, ebx" + read_defined, kFewEdges);
        expectSameAsUnicorn(o + "16", "        " + o + " ax, bx" + read_defined, kFewEdges);
        expectSameAsUnicorn(o + "_imm", "        " + o + " eax, 31" + read_defined + "\n        " + o + " bx, 3" + read_defined, kFewEdges);
        expectSameAsUnicorn(o + "_mem", "        push eax\n        push eax\n        and ebx, 63\n        " + o +
                                            " dword [esp], ebx" + read_defined + "\n        pop eax\n        pop edx", kFewEdges);
        expectSameAsUnicorn(o + "_memneg", "        push eax\n        push eax\n        mov ebx, -3\n        add esp, 4\n        " + o +
                                               " dword [esp], ebx" + read_defined + "\n        sub esp, 4\n        pop eax\n        pop edx",
                            kFewEdges);
    }
    for (const char* op : {"bsf", "bsr"}) {
        const std::string o = op;
        expectSameAsUnicorn(o, "        mov edx, 0x55\n        " + o + " edx, eax", kFewEdges);
        expectSameAsUnicorn(o + "16", "        mov edx, 0x12345678\n        " + o + " dx, bx", kFewEdges);
    }
}

TEST(DbtFlags, ConversionsAndFlagBytes) {
    expectSameAsUnicorn("cbw_cwd", "        cbw\n        cwd", kFewEdges);
    expectSameAsUnicorn("cwde_cdq", "        cwde\n        cdq", kFewEdges);
    expectSameAsUnicorn("lahf", "        add eax, ebx\n        lahf", kFewEdges);
    expectSameAsUnicorn("sahf", "        mov ah, bl\n        sahf");
    expectSameAsUnicorn("sahf_lahf", "        mov ah, bl\n        sahf\n        mov ah, 0\n        lahf", kFewEdges);
}

TEST(DbtFlags, ExchangeAndAdd) {
    expectSameAsUnicorn("cmpxchg", "        cmpxchg ebx, ecx", kFewEdges);
    expectSameAsUnicorn("cmpxchg8", "        cmpxchg bl, ch", kFewEdges);
    expectSameAsUnicorn("cmpxchg16", "        mov ecx, 9\n        cmpxchg bx, cx", kFewEdges);
    expectSameAsUnicorn("cmpxchg_mem", "        push ebx\n        lock cmpxchg [esp], esi\n        pop edx", kFewEdges);
    expectSameAsUnicorn("xadd", "        xadd eax, ebx", kFewEdges);
    expectSameAsUnicorn("xadd8", "        xadd al, bh", kFewEdges);
    expectSameAsUnicorn("xadd_self", "        xadd eax, eax", kFewEdges);
    expectSameAsUnicorn("xadd_mem", "        push ebx\n        xadd [esp], eax\n        pop edx", kFewEdges);
}

TEST(DbtFlags, StackFrames) {
    expectSameAsUnicorn("enter_leave", "        mov ebp, 0x1234\n        enter 24, 0\n        mov [ebp-4], eax\n        mov edx, esp\n"
                                       "        leave", kFewEdges);
    expectSameAsUnicorn("pusha_popa", "        pushad\n        mov eax, [esp+12]\n        xor ebx, ebx\n        popad", kFewEdges);
}

// Flags across a block boundary: the translator decodes the jump's target and skips what the
// target overwrites before reading, but keeps what it reads.
namespace {

dbt::TranslatedBlock translateBytes(const std::vector<uint8_t>& code) {
    const dbt::X86Decoder decoder;
    const dbt::CodeFetch fetch = [&](uint32_t address, uint8_t* out, size_t want) -> size_t {
        if (address < 0x1000 || address - 0x1000 >= code.size()) return 0;
        const size_t n = std::min(want, code.size() - (address - 0x1000));
        std::copy_n(code.begin() + (address - 0x1000), n, out);
        return n;
    };
    return dbt::translateBlock(decoder, fetch, 0x1000, dbt::kCodeCacheAddress);
}

}  // namespace

TEST(DbtFlagLiveness, FlagsTheNextBlockOverwritesAreSkippedAtTheBlockEnd) {
    const dbt::TranslatedBlock b = translateBytes({
        0x39, 0xD8,        // cmp eax, ebx
        0xEB, 0x00,        // jmp next          (ends the block)
        0x83, 0xC0, 0x01,  // add eax, 1        writes all six flags, reads none
        0xCD, 0x80,        // int 0x80
    });
    ASSERT_EQ(b.insns.size(), 2u);
    EXPECT_EQ(b.flags_computed[0], 0);
    EXPECT_EQ(b.flags_skipped[0], dbt::kAllFlags);
}

TEST(DbtFlagLiveness, FlagsTheNextBlockReadsAreComputed) {
    const dbt::TranslatedBlock b = translateBytes({
        0x39, 0xD8,        // cmp eax, ebx
        0xEB, 0x00,        // jmp next          (ends the block)
        0x7A, 0x00,        // jp next           reads PF; after it, every flag counts as live
        0xCD, 0x80,        // int 0x80
    });
    ASSERT_EQ(b.insns.size(), 2u);
    EXPECT_EQ(b.flags_computed[0], dbt::kAllFlags);
    EXPECT_EQ(b.flags_skipped[0], 0);
}
