// Control transfer and condition consumers: jmp, jcc, call, ret, loop, jecxz, setcc, cmovcc.
// Direct targets leave through chainable sites (the runtime patches them into plain branches
// to the target's translation); indirect ones through the lookup table (jumpIndirect).
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEcx = 1, kEsp = 4;

void pushConstant(TranslationContext& t, uint32_t value) {
    const A64Reg v = t.constant(value);
    t.e.subImm(Width::W, kEsp, kEsp, 4);
    t.storeTo(v, kEsp, 4);
}

bool transJmp(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    if (in.followed) return true;  // the block goes on at the target: no code at all
    if (in.ops[0].kind == OpKind::Imm) t.jumpTo(in.ops[0].imm);
    else if (in.ops[0].size == 4) t.jumpIndirect(t.read(in.ops[0]));
    else return false;
    return true;
}

bool transCall(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1) return false;
    if (in.ops[0].kind == OpKind::Imm) {
        pushConstant(t, in.next());
        if (!in.followed) t.jumpTo(in.ops[0].imm);
        return true;
    }
    if (in.ops[0].size != 4) return false;
    const A64Reg target = t.readCopy(in.ops[0]);  // call [esp+4] reads before the push
    pushConstant(t, in.next());
    t.jumpIndirect(target);
    return true;
}

bool transRet(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    const uint32_t pop = in.ops.empty() ? 0 : in.ops[0].imm;
    if (pop + 4 >= 0x1000) return false;
    t.loadFrom(kExitEip, kEsp, 4);
    t.e.addImm(Width::W, kEsp, kEsp, 4 + pop);
    t.jumpIndirect(kExitEip);
    return true;
}

bool transJcc(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm) return false;
    t.jumpIf(*x86ConditionOf(in.id), in.ops[0].imm, in.next());
    return true;
}

// loop: ecx -= 1, jump while ecx != 0 (no flag changes); jecxz: jump if ecx == 0.
bool transLoop(TranslationContext& t, bool is_jecxz) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm) return false;
    if (!is_jecxz) t.e.subImm(Width::W, kEcx, kEcx, 1);
    // The branch that jumps when "ecx is zero" equals `zero`.
    const auto branch_on = [&](bool zero) { zero ? t.e.cbz(Width::W, kEcx, t.e.here()) : t.e.cbnz(Width::W, kEcx, t.e.here()); };
    t.exitTwoWays([&](bool when) { branch_on(is_jecxz ? when : !when); }, in.ops[0].imm, in.next());
    return true;
}

bool transSetcc(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].size != 1) return false;
    const X86Cond cc = *x86ConditionOf(in.id);
    const A64Reg v = t.scratch();
    if (const auto c = hostCondition(cc)) {
        t.e.cset(Width::W, v, *c);
    } else {
        const A64Reg odd = t.parityOdd();
        t.e.ubfx(Width::W, v, odd, 0, 1);
        if (cc == X86Cond::P) t.e.eorImm(Width::W, v, v, 1);
    }
    t.write(in.ops[0], v);
    return true;
}

bool transCmov(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2 || !t.isReg32(in.ops[0])) return false;
    const X86Cond cc = *x86ConditionOf(in.id);
    const A64Reg dst = hostRegOf(in.ops[0].reg);
    const A64Reg src = t.read(in.ops[1]);  // x86 reads (and may fault on) the source either way
    if (const auto c = hostCondition(cc)) {
        t.e.csel(Width::W, dst, src, dst, *c);
        return true;
    }
    // Parity has no NZCV condition: branch around the move on the folded parity bit.
    const A64Reg odd = t.parityOdd();
    const size_t skip = cc == X86Cond::P ? t.forwardBranch([&] { t.e.tbnz(odd, 0, t.e.here()); })
                                         : t.forwardBranch([&] { t.e.tbz(odd, 0, t.e.here()); });
    const size_t region = t.beginCountedRegion();
    t.e.movReg(Width::W, dst, src);
    t.endCountedRegion(region);
    t.bind(skip);
    return true;
}

}  // namespace

bool transBranch(TranslationContext& t) {
    const unsigned id = t.insn().id;
    switch (id) {
    case X86_INS_JMP: return transJmp(t);
    case X86_INS_CALL: return transCall(t);
    case X86_INS_RET: return transRet(t);
    case X86_INS_LOOP: return transLoop(t, false);
    case X86_INS_JECXZ: return transLoop(t, true);
    default: break;
    }
    if (!x86ConditionOf(id)) return false;
    const char first = t.insn().mnemonic[0];
    if (first == 'j') return transJcc(t);
    if (first == 's') return transSetcc(t);
    if (first == 'c') return transCmov(t);
    return false;
}

}  // namespace vl::emu::dbt
