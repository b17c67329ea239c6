#include "emulator/cpuid_model.h"

#include <cstring>

namespace vl::emu {

CpuidAnswer virtlabCpuid(uint32_t leaf, uint32_t) {
    CpuidAnswer a;
    switch (leaf) {
    case 0: {
        static const char vendor[] = "VirtLab-i386";  // ebx, edx, ecx in that order
        a.eax = 1;
        std::memcpy(&a.ebx, vendor, 4);
        std::memcpy(&a.edx, vendor + 4, 4);
        std::memcpy(&a.ecx, vendor + 8, 4);
        break;
    }
    case 1:
        a.eax = 0x00000600;
        a.edx = (1u << 0) | (1u << 15);  // fpu, cmov
        break;
    case 0x80000000: a.eax = 0x80000000; break;
    default: break;
    }
    return a;
}

}  // namespace vl::emu
