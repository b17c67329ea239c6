#include "emulator/dbt/host_abi.h"

#include <bit>

namespace vl::emu::dbt {

uint32_t eflagsFromHost(const HostFlags& h) {
    const bool n = h.nzcv >> 31 & 1, z = h.nzcv >> 30 & 1, c = h.nzcv >> 29 & 1, v = h.nzcv >> 28 & 1;
    const bool pf = std::popcount(h.pf_source & 0xFFu) % 2 == 0;
    const bool af = h.af_source >> 4 & 1;
    return 0x202u | (c ? 0u : 1u) | (pf ? 0x4u : 0u) | (af ? 0x10u : 0u) | (z ? 0x40u : 0u) | (n ? 0x80u : 0u) |
           (v ? 0x800u : 0u);
}

uint32_t eflagsMaskOf(uint8_t bits) {
    return ((bits & kCF) ? 0x1u : 0u) | ((bits & kPF) ? 0x4u : 0u) | ((bits & kAF) ? 0x10u : 0u) | ((bits & kZF) ? 0x40u : 0u) |
           ((bits & kSF) ? 0x80u : 0u) | ((bits & kOF) ? 0x800u : 0u);
}

HostFlags hostFromEflags(uint32_t eflags) {
    HostFlags h;
    h.nzcv = (uint64_t(eflags >> 7 & 1) << 31) | (uint64_t(eflags >> 6 & 1) << 30) | (uint64_t(~eflags & 1) << 29) |
             (uint64_t(eflags >> 11 & 1) << 28);
    h.pf_source = (eflags & 0x4) ? 0 : 1;  // parity of 0 is even (PF=1), of 1 odd (PF=0)
    h.af_source = eflags & 0x10;
    return h;
}

}  // namespace vl::emu::dbt
