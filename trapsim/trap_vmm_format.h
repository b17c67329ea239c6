// Small formatting and counting helpers shared by the files that implement TrapVmm
// (trap_vmm.cpp, trap_vmm_intercept.cpp, trap_vmm_events.cpp). Internal to trapsim/.
#pragma once

#include <atomic>
#include <cstdio>
#include <iterator>
#include <string>

#include "trapsim/instruction_class.h"

namespace vl::vm::detail {

inline std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

inline std::string hexShort(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

inline std::string exceptionName(uint32_t vector) {
    static const char* const kNames[] = {
        "#DE (divide error)", "#DB (debug)", "NMI", "#BP (breakpoint)", "#OF (overflow)", "#BR (bound range)",
        "#UD (invalid opcode)", "#NM (device not available)", "#DF (double fault)", "coprocessor segment overrun",
        "#TS (invalid TSS)", "#NP (segment not present)", "#SS (stack fault)", "#GP (general protection)",
        "#PF (page fault)", "reserved exception 15", "#MF (x87 error)", "#AC (alignment check)",
        "#MC (machine check)", "#XM (SIMD exception)"};
    if (vector < std::size(kNames)) return kNames[vector];
    return "interrupt " + hexShort(vector);
}

// "0x3f8" without printf: the port-I/O events are formatted on every trap.
inline void appendHex(std::string& out, uint32_t v) {
    static const char kDigits[] = "0123456789abcdef";
    char buf[8];
    int n = 0;
    do {
        buf[n++] = kDigits[v & 0xF];
        v >>= 4;
    } while (v);
    out += "0x";
    while (n) out += buf[--n];
}

inline std::string siteLabel(const DecodedInstruction& insn) {
    std::string label = insn.text() + " at ";
    appendHex(label, insn.address);
    return label + ": ";
}

template <typename T>
void bump(std::atomic<T>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace vl::vm::detail
