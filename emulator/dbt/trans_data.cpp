// Data movement: mov, movzx, movsx, lea, xchg, push, pop, nop, cbw/cwde/cwd/cdq, leave, enter,
// pusha, popa, and mov to and from fs/gs. None of these touches a flag; lahf and sahf copy
// flags to and from ah.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEax = 0, kEdx = 2, kEsp = 4, kEbp = 5;
constexpr A64Reg kArg0 = 20, kArg1 = 21;  // helper arguments (host_abi.h)

// mov fs/gs, r/m16 and mov r/m16, fs/gs: the segment-load helper looks the selector up in the
// descriptors set_thread_area installed and puts the base in x19 (host_abi.h).
bool transMovSegment(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    if (dst.segment_register && !src.segment_register) {
        t.e.movReg(Width::W, kArg0, t.read(src));
        t.e.movz(Width::W, kArg1, dst.reg);
        t.callHelper(HelperKind::LoadSegment, 2);
        return true;
    }
    if (src.segment_register && !dst.segment_register) {
        t.e.movz(Width::W, kArg1, src.reg);
        t.callHelper(HelperKind::ReadSegment, 2);
        // A 32-bit register destination gets the selector zero-extended (as on current CPUs).
        t.write(dst, kArg0);
        return true;
    }
    return false;
}

bool transMov(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    if (dst.segment_register || src.segment_register) return transMovSegment(t);
    // The common 32-bit shapes go straight into or out of the guest register.
    if (t.isReg32(dst) && src.kind == OpKind::Imm) {
        if (src.imm == 0) t.e.movReg(Width::W, hostRegOf(dst.reg), kZr);
        else t.loadConstant(hostRegOf(dst.reg), src.imm);
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

// push/pop of a word (66 prefix) moves esp by 2.
bool transPush(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || (in.ops[0].size != 4 && in.ops[0].size != 2)) return false;
    const GuestOperand& op = in.ops[0];
    // push esp pushes the value esp had before the instruction.
    const A64Reg v = op.kind == OpKind::Reg && op.reg == kEsp ? t.readCopy(op) : t.read(op);
    t.e.subImm(Width::W, kEsp, kEsp, op.size);
    t.storeTo(v, kEsp, op.size);
    return true;
}

bool transPop(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 1 || (in.ops[0].size != 4 && in.ops[0].size != 2)) return false;
    const GuestOperand& op = in.ops[0];
    if (op.size == 2) {
        // pop sp keeps the loaded value; pop [esp+n] addresses with the incremented esp.
        const A64Reg v = t.scratch();
        t.loadFrom(v, kEsp, 2);
        t.e.addImm(Width::W, kEsp, kEsp, 2);
        t.write(op, v);
        return true;
    }
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

// cbw: ax = sign-extended al; cwde: eax = sign-extended ax; cwd: dx = the sign of ax;
// cdq: edx = the sign of eax.
bool transSignExtend(TranslationContext& t, unsigned id) {
    if (id != X86_INS_CBW && id != X86_INS_CWDE && id != X86_INS_CWD && id != X86_INS_CDQ) return false;
    A64Emitter& e = t.e;
    const A64Reg v = t.scratch();
    switch (id) {
    case X86_INS_CBW:
        e.sbfx(Width::W, v, kEax, 0, 8);
        e.bfi(Width::W, kEax, v, 0, 16);
        return true;
    case X86_INS_CWDE: e.sbfx(Width::W, kEax, kEax, 0, 16); return true;
    case X86_INS_CWD:
        e.sbfx(Width::W, v, kEax, 15, 1);
        e.bfi(Width::W, kEdx, v, 0, 16);
        return true;
    case X86_INS_CDQ: e.asrImm(Width::W, kEdx, kEax, 31); return true;
    default: return false;
    }
}

void push32(TranslationContext& t, A64Reg v) {
    t.e.subImm(Width::W, kEsp, kEsp, 4);
    t.storeTo(v, kEsp, 4);
}

// leave: esp = ebp, then pop ebp.
bool transLeave(TranslationContext& t) {
    if (!t.insn().ops.empty()) return false;
    t.e.movReg(Width::W, kEsp, kEbp);
    t.loadFrom(kEbp, kEsp, 4);
    t.e.addImm(Width::W, kEsp, kEsp, 4);
    return true;
}

// enter size, 0: push ebp; ebp = esp; esp -= size. Nesting levels above 0 (Pascal's display
// of enclosing frames) are not covered.
bool transEnter(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2 || in.ops[1].imm != 0) return false;
    push32(t, kEbp);
    t.e.movReg(Width::W, kEbp, kEsp);
    const uint32_t size = in.ops[0].imm;
    if (size == 0) return true;
    if (size < 0x1000) t.e.subImm(Width::W, kEsp, kEsp, size);
    else t.e.subReg(Width::W, kEsp, kEsp, t.constant(size));
    return true;
}

// pushad: eax, ecx, edx, ebx, the original esp, ebp, esi, edi; popad: the reverse, skipping
// the saved esp.
bool transPushAll(TranslationContext& t, bool push) {
    A64Emitter& e = t.e;
    if (push) {
        const A64Reg original = t.scratch();
        e.movReg(Width::W, original, kEsp);
        for (unsigned r = 0; r < 8; ++r) {
            e.subImm(Width::W, kEsp, kEsp, 4);
            t.storeTo(r == kEsp ? original : hostRegOf(r), kEsp, 4);
        }
        return true;
    }
    for (unsigned r = 8; r-- > 0;) {
        if (r != kEsp) t.loadFrom(hostRegOf(r), kEsp, 4);
        e.addImm(Width::W, kEsp, kEsp, 4);
    }
    return true;
}

// lahf: ah = SF ZF 0 AF 0 PF 1 CF. sahf: the reverse for those five (OF is kept).
bool transLahf(TranslationContext& t) {
    A64Emitter& e = t.e;
    const A64Reg odd = t.parityOdd();
    const A64Reg nzcv = t.scratch(), v = t.scratch(), bit = t.scratch();
    e.mrsNzcv(nzcv);
    e.ubfx(Width::W, v, nzcv, 29, 1);
    e.eorImm(Width::W, v, v, 1);          // CF = !C
    e.orrImm(Width::W, v, v, 2);          // bit 1 is always set
    e.eorImm(Width::W, bit, odd, 1);      // PF = even parity
    e.ubfx(Width::W, bit, bit, 0, 1);
    e.orrReg(Width::W, v, v, bit, Shift::LSL, 2);
    e.ubfx(Width::W, bit, kAfSource, 4, 1);
    e.orrReg(Width::W, v, v, bit, Shift::LSL, 4);
    e.ubfx(Width::W, bit, nzcv, 30, 2);   // Z, N -> bits 6, 7
    e.orrReg(Width::W, v, v, bit, Shift::LSL, 6);
    e.bfi(Width::W, kEax, v, 8, 8);
    return true;
}

bool transSahf(TranslationContext& t) {
    A64Emitter& e = t.e;
    const A64Reg ah = t.scratch(), nzcv = t.scratch(), bit = t.scratch();
    e.ubfx(Width::W, ah, kEax, 8, 8);
    e.mrsNzcv(nzcv);
    e.ubfx(Width::W, bit, ah, 6, 2);      // ZF, SF -> Z, N
    e.bfi(Width::X, nzcv, bit, 30, 2);
    e.eorImm(Width::W, bit, ah, 1);       // C = !CF
    e.bfi(Width::X, nzcv, bit, 29, 1);
    e.msrNzcv(nzcv);
    e.ubfx(Width::W, kPfSource, ah, 2, 1);
    e.eorImm(Width::W, kPfSource, kPfSource, 1);  // PF=1: a source of even parity (0)
    e.movReg(Width::W, kAfSource, ah);             // AF is bit 4 of both
    t.markComputed(kCF | kPF | kAF | kZF | kSF);
    return true;
}

}  // namespace

bool transData(TranslationContext& t) {
    const unsigned id = t.insn().id;
    if (transSignExtend(t, id)) return true;
    switch (id) {
    case X86_INS_LEAVE: return transLeave(t);
    case X86_INS_ENTER: return transEnter(t);
    case X86_INS_PUSHAL: return transPushAll(t, true);
    case X86_INS_POPAL: return transPushAll(t, false);
    case X86_INS_LAHF: return transLahf(t);
    case X86_INS_SAHF: return transSahf(t);
    default: break;
    }
    switch (t.insn().id) {
    case X86_INS_MOV: return transMov(t);
    case X86_INS_MOVZX: return transMovExtend(t, false);
    case X86_INS_MOVSX: return transMovExtend(t, true);
    case X86_INS_LEA: return transLea(t);
    case X86_INS_XCHG: return transXchg(t);
    case X86_INS_PUSH: return transPush(t);
    case X86_INS_POP: return transPop(t);
    case X86_INS_NOP: return true;
    case X86_INS_ENDBR32: return true;  // a CET branch-target marker: a nop without CET
    default: return false;
    }
}

}  // namespace vl::emu::dbt
