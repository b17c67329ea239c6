// The CPU that VirtLab's x86 engines describe through `cpuid`: one fixed, documented answer,
// given by the translator (a runtime helper) and by the Unicorn x86 oracle (a cpuid hook), so
// a program takes the same paths on both and can be compared instruction by instruction.
//
// The model claims only what the translator runs: an i686-class CPU with x87 (fpu) and cmov,
// and no MMX/SSE/TSC/CX8. glibc therefore selects its plain i386 string functions
// (sysdeps/i386/i686/multiarch picks SSE2/SSSE3 variants only when cpuid reports them).
//   leaf 0:          eax = 1 (highest basic leaf), vendor "VirtLab-i386" in ebx, edx, ecx
//   leaf 1:          eax = 0x00000600 (family 6, model 0, stepping 0), ebx = ecx = 0,
//                    edx = bit 0 (fpu) | bit 15 (cmov)
//   leaf 0x80000000: eax = 0x80000000 (no extended leaves beyond it)
//   any other leaf:  all zero
// Source for the bit positions: Intel SDM vol. 2A, CPUID, table 3-11 (feature flags in edx).
#pragma once

#include <cstdint>

namespace vl::emu {

struct CpuidAnswer {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidAnswer virtlabCpuid(uint32_t leaf, uint32_t subleaf);

}  // namespace vl::emu
