// What reaches outside the CPU's integer core: int 0x80 (a Linux system call) and cpuid.
//
// int 0x80 becomes `svc #0x80`: Unicorn's ARM64 CPU raises it to the runtime's UC_HOOK_INTR
// handler, which serves the call through LinuxSyscalls and lets the translated code continue
// in place — no exit from Unicorn, no return to the dispatcher. cpuid is the same kind of
// helper call (runtime_helpers.h): the answer is VirtLab's documented CPU model (cpuid_model.h),
// the one the Unicorn x86 oracle is given too.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

bool transInt(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm || in.ops[0].imm != 0x80) return false;
    t.callHelper(HelperKind::Syscall, 0);
    t.jumpTo(in.next());
    return true;
}

}  // namespace

bool transSystem(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_INT: return transInt(t);
    case X86_INS_CPUID: t.callHelper(HelperKind::Cpuid, 4); return true;
    default: return false;
    }
}

}  // namespace vl::emu::dbt
