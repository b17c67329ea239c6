// Bit instructions: bt, bts, btr, btc (register or memory, bit number in a register or an
// immediate) and bsf, bsr.
//
// bt*: CF = the selected bit; SF, ZF, PF and AF are left as they were (Intel: ZF unaffected,
// the others undefined; QEMU keeps them), OF likewise here (QEMU may recompute it from its
// lazy state: undefined, so neither the tests nor the fuzzer read it after a bit test).
// With a memory operand and a register bit number, the number is a signed offset into a bit
// string: the address moves by (offset >> log2(size*8)) * size, as on x86 and in QEMU.
// bsf/bsr: ZF = (source == 0), and then the destination is left as it was (QEMU, AMD); the
// other flags are those of a logic operation on the source (QEMU's CC_OP_LOGIC), which is what
// Unicorn reports: SF, PF from the source, CF = OF = AF = 0.
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

enum class BitOp { Test, Set, Reset, Complement };

bool transBitTest(TranslationContext& t, BitOp op) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2) return false;
    const GuestOperand &dst = in.ops[0], &index = in.ops[1];
    const auto bits = static_cast<uint8_t>(dst.size * 8);
    const uint8_t log_bits = bits == 32 ? 5 : bits == 16 ? 4 : 3;
    A64Emitter& e = t.e;
    A64Reg value, bit, addr = kZr;
    if (index.kind == OpKind::Imm) {
        bit = t.constant(index.imm & (bits - 1u));
        if (dst.kind == OpKind::Mem) addr = t.address(dst);
    } else {
        const A64Reg n = t.read(index);
        bit = t.scratch();
        e.andImm(Width::W, bit, n, bits - 1u);
        if (dst.kind == OpKind::Mem) {
            const A64Reg offset = t.scratch();
            if (bits == 16) e.sbfx(Width::W, offset, n, 0, 16);
            else e.movReg(Width::W, offset, n);
            e.asrImm(Width::W, offset, offset, log_bits);
            addr = t.scratch();
            e.addReg(Width::W, addr, t.address(dst), offset, Shift::LSL, static_cast<uint8_t>(dst.size == 4 ? 2 : dst.size == 2 ? 1 : 0));
        }
    }
    if (dst.kind == OpKind::Mem) {
        value = t.scratch();
        t.loadFrom(value, addr, dst.size);
    } else {
        value = t.read(dst);
    }
    if (t.live(kCF)) {
        const A64Reg cf = t.scratch();
        e.lsrv(Width::W, cf, value, bit);
        e.andImm(Width::W, cf, cf, 1);
        t.setCarryOverflow(cf, TranslationContext::kKeepFlag);
    }
    if (op == BitOp::Test) return true;
    const A64Reg mask = t.scratch(), result = t.scratch();
    e.movz(Width::W, mask, 1);
    e.lslv(Width::W, mask, mask, bit);
    if (op == BitOp::Set) e.orrReg(Width::W, result, value, mask);
    else if (op == BitOp::Complement) e.eorReg(Width::W, result, value, mask);
    else {
        e.ornReg(Width::W, mask, kZr, mask);
        e.andReg(Width::W, result, value, mask);
    }
    if (dst.kind == OpKind::Mem) t.storeTo(result, addr, dst.size);
    else t.write(dst, result);
    return true;
}

bool transBitScan(TranslationContext& t, bool forward) {
    const GuestInsn& in = t.insn();
    if (in.ops.size() != 2 || in.ops[0].kind != OpKind::Reg) return false;
    const GuestOperand &dst = in.ops[0], &src = in.ops[1];
    const auto bits = static_cast<uint8_t>(src.size * 8);
    A64Emitter& e = t.e;
    const A64Reg v = t.readCopy(src);
    const A64Reg index = t.scratch();
    if (forward) {
        e.rbit(Width::W, index, v);
        e.clz(Width::W, index, index);
    } else {
        e.clz(Width::W, index, v);
        e.eorImm(Width::W, index, index, 31);  // 31 - clz for clz in 0..31
    }
    const size_t skip = t.forwardBranch([&] { e.cbz(Width::W, v, e.here()); });
    const size_t region = t.beginCountedRegion();
    t.write(dst, index);
    t.endCountedRegion(region);
    t.bind(skip);
    t.flagsFrom(v, bits, kZr, kZr);
    t.keepParity(v);
    t.clearAuxCarry();
    return true;
}

}  // namespace

bool transBits(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_BT: return transBitTest(t, BitOp::Test);
    case X86_INS_BTS: return transBitTest(t, BitOp::Set);
    case X86_INS_BTR: return transBitTest(t, BitOp::Reset);
    case X86_INS_BTC: return transBitTest(t, BitOp::Complement);
    case X86_INS_BSF: return transBitScan(t, true);
    case X86_INS_BSR: return transBitScan(t, false);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
