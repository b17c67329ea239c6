// The translator's runtime helpers (QEMU's helper_* functions): the semantics of rare or long
// instructions computed in C++ from the guest state, called from translated code through
// `svc #kind|size<<8` (host_abi.h HelperKind) and served in Unicorn's interrupt hook.
// Each follows Unicorn's x86 CPU (QEMU's target/i386) bit for bit, undefined flags included,
// so the translator and the oracle agree; the rules are written beside each case.
#pragma once

#include <cstdint>

#include "emulator/dbt/host_abi.h"

namespace vl::emu::dbt {

struct HelperState {
    uint32_t regs[8] = {};  // eax ecx edx ebx esp ebp esi edi
    uint32_t eflags = 0;
    uint32_t arg[3] = {};   // w20, w21, w22 in; arg[0] is the result out
};

enum class HelperOutcome { Done, DivideError };

// Everything but Syscall and the segment helpers (the runtime owns those tables).
HelperOutcome runHelper(HelperKind kind, uint8_t size, HelperState& s);

}  // namespace vl::emu::dbt
