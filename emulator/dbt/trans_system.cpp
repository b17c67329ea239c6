// What reaches outside the CPU's integer core: int 0x80 (a Linux system call), cld, and the
// string moves with and without rep (the direction flag is always clear: std is not covered).
//
// int 0x80 becomes `svc #0x80`: Unicorn's ARM64 CPU raises it to the runtime's UC_HOOK_INTR
// handler, which serves the call through LinuxSyscalls and lets the translated code continue
// in place — no exit from Unicorn, no return to the dispatcher.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEax = 0, kEcx = 1, kEsi = 6, kEdi = 7;
constexpr uint16_t kSyscallSvc = 0x80;

bool transInt(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm || in.ops[0].imm != 0x80) return false;
    t.e.svc(kSyscallSvc);
    t.jumpTo(in.next());
    return true;
}

// movs/stos, one element per iteration. Under rep, each iteration counts as one guest
// instruction (as Unicorn and QEMU count them), so the budget register is charged per pass.
bool transString(TranslationContext& t, bool is_move, uint8_t size) {
    const GuestInsn& in = t.insn();
    if (in.rep == 0xF2) return false;
    const bool rep = in.rep == 0xF3;
    const uint64_t top = t.e.here();
    size_t done = 0;
    if (rep) done = t.forwardBranch([&] { t.e.cbz(Width::W, kEcx, t.e.here()); });
    A64Reg value = kEax;
    if (is_move) {
        value = t.scratch();
        t.loadFrom(value, kEsi, size);
        t.e.addImm(Width::W, kEsi, kEsi, size);
    }
    t.storeTo(value, kEdi, size);
    t.e.addImm(Width::W, kEdi, kEdi, size);
    if (rep) {
        t.e.subImm(Width::W, kEcx, kEcx, 1);
        t.e.subImm(Width::X, kBudget, kBudget, 1);
        t.e.b(top);
        t.bind(done);
    }
    return true;
}

}  // namespace

bool transSystem(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_INT: return transInt(t);
    case X86_INS_CLD: return true;  // the direction flag is never set (std is not covered)
    case X86_INS_MOVSB: return transString(t, true, 1);
    case X86_INS_MOVSD: return transString(t, true, 4);
    case X86_INS_STOSB: return transString(t, false, 1);
    case X86_INS_STOSD: return transString(t, false, 4);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
