// What reaches outside the CPU's integer core: int 0x80 (a Linux system call), cpuid, and
// pushf/popf (EFLAGS as a whole, system bits included).
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

constexpr A64Reg kEsp = 4;

bool transInt(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm || in.ops[0].imm != 0x80) return false;
    t.callHelper(HelperKind::Syscall, 0);
    // Counted apart from the main path: after exit(2) the runtime stops at the svc, and the
    // branch after it never runs.
    const size_t after = t.beginCountedRegion();
    t.jumpTo(in.next());
    t.endCountedRegion(after);
    return true;
}

// pushf/popf: the runtime composes and loads EFLAGS (the six flags from NZCV, w16 and w17, DF
// from w26, and the system bits it keeps), the translated code moves the value to and from
// the stack. 16-bit forms (66 9c, 66 9d) move the low half.
bool transPushFlags(TranslationContext& t, uint8_t size) {
    A64Emitter& e = t.e;
    t.callHelper(HelperKind::PushFlags, size);
    e.subImm(Width::W, kEsp, kEsp, size);
    t.storeTo(kExitEip, kEsp, size);
    return true;
}

bool transPopFlags(TranslationContext& t, uint8_t size) {
    A64Emitter& e = t.e;
    t.loadFrom(kExitEip, kEsp, size);
    e.addImm(Width::W, kEsp, kEsp, size);
    t.callHelper(HelperKind::PopFlags, size);
    t.markComputed(kAllFlags);
    return true;
}

}  // namespace

bool transSystem(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_INT: return transInt(t);
    case X86_INS_CPUID: t.callHelper(HelperKind::Cpuid, 4); return true;
    case X86_INS_PUSHFD: return transPushFlags(t, 4);
    case X86_INS_PUSHF: return transPushFlags(t, 2);
    case X86_INS_POPFD: return transPopFlags(t, 4);
    case X86_INS_POPF: return transPopFlags(t, 2);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
