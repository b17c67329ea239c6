// Flag semantics of every covered instruction, against Unicorn's x86 CPU: for each operation a
// program runs it over many operand pairs (the edge values 0, 1, 0x7fffffff, 0x80000000,
// 0xffffffff and their neighbours), twice -- once entered with CF=0 and once with CF=1, so
// instructions that keep CF (inc, dec) are checked too. Every case ends with a jmp, so it is
// its own block boundary, where compareLockstep checks all registers and the six flags.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "emulator/dbt/lockstep.h"
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
