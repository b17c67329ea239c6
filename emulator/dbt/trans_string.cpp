// The string instructions — movs, stos, lods, cmps, scas at 8, 16 and 32 bits, alone or with
// rep / repe / repne — and the direction flag they follow (cld, std).
//
// DF lives in w26 as the step direction, 1 or -1 (host_abi.h kDirection), so moving a pointer
// is one `add wN, wN, w26, lsl #log2(size)` whichever way it goes. Under rep, ecx == 0 at the
// start runs nothing and changes no flag. Instructions are counted as Unicorn (QEMU) counts
// them, one per entry into the instruction: a rep that runs its N passes to ecx == 0 counts
// N + 1 (QEMU jumps back to the instruction, which then finds ecx == 0), a repe/repne that
// stops on ZF after k passes counts k. repe/repne cmps and scas stop after the pass whose
// comparison made ZF 0 (repe) or 1 (repne).
#include <capstone/capstone.h>

#include "emulator/dbt/translator.h"

namespace vl::emu::dbt {
namespace {

constexpr A64Reg kEax = 0, kEcx = 1, kEsi = 6, kEdi = 7;

enum class Str { Movs, Stos, Lods, Cmps, Scas };

void advance(TranslationContext& t, A64Reg pointer, uint8_t size) {
    t.e.addReg(Width::W, pointer, pointer, kDirection, Shift::LSL, static_cast<uint8_t>(size == 4 ? 2 : size == 2 ? 1 : 0));
}

bool transStringOp(TranslationContext& t, Str op, uint8_t size) {
    const GuestInsn& in = t.insn();
    // A segment override on the source (fs:/gs: movs) is not covered.
    if (in.segment != 0) return false;
    const bool compares = op == Str::Cmps || op == Str::Scas;
    if (in.rep == 0xF2 && !compares) return false;
    const bool rep = in.rep != 0;
    A64Emitter& e = t.e;
    const auto bits = static_cast<uint8_t>(size * 8);
    GuestOperand accumulator;
    accumulator.kind = OpKind::Reg;
    accumulator.size = size;
    accumulator.reg = kEax;

    // Every pass goes back to the instruction's first word, the ecx test (a guest step of a rep
    // instruction is one pass, as x86 single-steps it), and counts its own host instructions.
    const uint64_t top = e.here();
    size_t done = 0, region = 0;
    if (rep) done = t.forwardBranch([&] { e.cbz(Width::W, kEcx, e.here()); });
    if (rep) region = t.beginCountedRegion();
    switch (op) {
    case Str::Movs: {
        const A64Reg v = t.scratch();
        t.loadFrom(v, kEsi, size);
        t.storeTo(v, kEdi, size);
        advance(t, kEsi, size);
        advance(t, kEdi, size);
        break;
    }
    case Str::Stos:
        t.storeTo(kEax, kEdi, size);
        advance(t, kEdi, size);
        break;
    case Str::Lods: {
        const A64Reg v = t.scratch();
        t.loadFrom(v, kEsi, size);
        t.write(accumulator, v);
        advance(t, kEsi, size);
        break;
    }
    case Str::Cmps: case Str::Scas: {
        // cmps: flags of [esi] - [edi]; scas: of al/ax/eax - [edi].
        const A64Reg a = t.scratch(), b = t.scratch();
        if (op == Str::Cmps) t.loadFrom(a, kEsi, size);
        else e.ubfx(Width::W, a, kEax, 0, bits);
        t.loadFrom(b, kEdi, size);
        aluOp(t, AluOp::Sub, a, b, bits, false, t.scratch(), true, rep);
        if (op == Str::Cmps) advance(t, kEsi, size);
        advance(t, kEdi, size);
        break;
    }
    }
    if (rep) {
        e.subImm(Width::W, kEcx, kEcx, 1);
        e.subImm(Width::X, kBudget, kBudget, 1);
        size_t stop = 0;
        if (compares) {
            // repe goes on while ZF=1 (stop on NE), repne while ZF=0 (stop on EQ).
            stop = t.forwardBranch([&] { e.bCond(in.rep == 0xF3 ? Cond::NE : Cond::EQ, e.here()); });
        }
        e.b(top);
        t.endCountedRegion(region, 1);  // a pass also pays for the ecx test it goes back to
        if (compares) {
            // Leaving on ZF does not come back to the instruction to find ecx == 0: one count
            // less. The pass counted two words that did not run (b top, the test), these two ran.
            t.bind(stop);
            const size_t stop_region = t.beginCountedRegion();
            e.addImm(Width::X, kBudget, kBudget, 1);
            t.endCountedRegion(stop_region, -2);
        }
        t.bind(done);
    }
    return true;
}

}  // namespace

bool transString(TranslationContext& t) {
    switch (t.insn().id) {
    case X86_INS_CLD: t.e.movz(Width::W, kDirection, 1); return true;
    case X86_INS_STD: t.e.movn(Width::W, kDirection, 0); return true;
    case X86_INS_MOVSB: return transStringOp(t, Str::Movs, 1);
    case X86_INS_MOVSW: return transStringOp(t, Str::Movs, 2);
    case X86_INS_MOVSD: return transStringOp(t, Str::Movs, 4);
    case X86_INS_STOSB: return transStringOp(t, Str::Stos, 1);
    case X86_INS_STOSW: return transStringOp(t, Str::Stos, 2);
    case X86_INS_STOSD: return transStringOp(t, Str::Stos, 4);
    case X86_INS_LODSB: return transStringOp(t, Str::Lods, 1);
    case X86_INS_LODSW: return transStringOp(t, Str::Lods, 2);
    case X86_INS_LODSD: return transStringOp(t, Str::Lods, 4);
    case X86_INS_CMPSB: return transStringOp(t, Str::Cmps, 1);
    case X86_INS_CMPSW: return transStringOp(t, Str::Cmps, 2);
    case X86_INS_CMPSD: return transStringOp(t, Str::Cmps, 4);
    case X86_INS_SCASB: return transStringOp(t, Str::Scas, 1);
    case X86_INS_SCASW: return transStringOp(t, Str::Scas, 2);
    case X86_INS_SCASD: return transStringOp(t, Str::Scas, 4);
    default: return false;
    }
}

}  // namespace vl::emu::dbt
