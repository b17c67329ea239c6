// Data movement: mov, movzx, movsx, lea, xchg, push, pop, nop. None of these touches a flag.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEsp = 4;

bool transMov(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    // The common 32-bit shapes go straight into or out of the guest register.
    if (t.isReg32(dst) && src.kind == OpKind::Imm) {
        if (src.imm == 0) t.e.movReg(Width::W, hostRegOf(dst.reg), kZr);
        else t.e.movImm32(hostRegOf(dst.reg), src.imm);
        return true;
    }
    if (t.isReg32(dst) && src.kind == OpKind::Mem) {
        t.loadFrom(hostRegOf(dst.reg), t.address(src), 4);
        return true;
    }
    t.write(dst, t.read(src));
    return true;
}

bool transMovExtend(TranslationContext& t, bool sign) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    if (dst.kind != OpKind::Reg || src.size >= dst.size) return false;
    if (!sign) {
        t.write(dst, t.read(src));
        return true;
    }
    const A64Reg v = t.scratch();
    if (src.kind == OpKind::Mem) {
        t.e.ldrsRegUxtw(src.size == 1 ? MemSize::Byte : MemSize::Half, v, kMemBase, t.address(src));
    } else {
        t.e.sbfx(Width::W, v, hostRegOf(src.reg), src.high_byte ? 8 : 0, static_cast<uint8_t>(src.size * 8));
    }
    t.write(dst, v);
    return true;
}

bool transLea(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2 || in.ops[0].kind != OpKind::Reg || in.ops[1].kind != OpKind::Mem || in.ops[0].size < 2) return false;
    t.write(in.ops[0], t.address(in.ops[1]));
    return true;
}

bool transXchg(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &a = in.ops[0], &b = in.ops[1];
    // xchg ax, ax / xchg eax, eax: the classic nop encodings.
    if (a.kind == OpKind::Reg && b.kind == OpKind::Reg && a.reg == b.reg && a.high_byte == b.high_byte) return true;
    const A64Reg va = t.readCopy(a);
    const A64Reg vb = t.readCopy(b);
    t.write(a, vb);
    t.write(b, va);
    return true;
}

bool transPush(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].size != 4) return false;
    const GuestOperand& op = in.ops[0];
    // push esp pushes the value esp had before the instruction.
    const A64Reg v = op.kind == OpKind::Reg && op.reg == kEsp ? t.readCopy(op) : t.read(op);
    t.e.subImm(Width::W, kEsp, kEsp, 4);
    t.storeTo(v, kEsp, 4);
    return true;
}

bool transPop(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || in.ops[0].size != 4) return false;
    const GuestOperand& op = in.ops[0];
    if (t.isReg32(op) && op.reg != kEsp) {
        t.loadFrom(hostRegOf(op.reg), kEsp, 4);
        t.e.addImm(Width::W, kEsp, kEsp, 4);
        return true;
    }
    // pop esp keeps the loaded value; pop [esp+n] addresses with the incremented esp.
    const A64Reg v = t.scratch();
    t.loadFrom(v, kEsp, 4);
    t.e.addImm(Width::W, kEsp, kEsp, 4);
    t.write(op, v);
    return true;
}

}  // namespace

bool transData(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_MOV: return transMov(t);
    case X86_INS_MOVZX: return transMovExtend(t, false);
    case X86_INS_MOVSX: return transMovExtend(t, true);
    case X86_INS_LEA: return transLea(t);
    case X86_INS_XCHG: return transXchg(t);
    case X86_INS_PUSH: return transPush(t);
    case X86_INS_POP: return transPop(t);
    case X86_INS_NOP: return true;
    default: return false;
    }
}

}  // namespace vl::emu::dbt
