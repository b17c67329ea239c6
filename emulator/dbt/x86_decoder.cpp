#include "emulator/dbt/x86_decoder.h"

#include <capstone/capstone.h>

#include "core/error.h"

namespace vl::emu::dbt {
namespace {

struct RegInfo {
    int8_t number;  // -1: not a general register the translator knows
    uint8_t size;
    bool high;
};

RegInfo regInfo(unsigned r) {
    switch (r) {
    case X86_REG_EAX: return {0, 4, false};
    case X86_REG_ECX: return {1, 4, false};
    case X86_REG_EDX: return {2, 4, false};
    case X86_REG_EBX: return {3, 4, false};
    case X86_REG_ESP: return {4, 4, false};
    case X86_REG_EBP: return {5, 4, false};
    case X86_REG_ESI: return {6, 4, false};
    case X86_REG_EDI: return {7, 4, false};
    case X86_REG_AX: return {0, 2, false};
    case X86_REG_CX: return {1, 2, false};
    case X86_REG_DX: return {2, 2, false};
    case X86_REG_BX: return {3, 2, false};
    case X86_REG_SP: return {4, 2, false};
    case X86_REG_BP: return {5, 2, false};
    case X86_REG_SI: return {6, 2, false};
    case X86_REG_DI: return {7, 2, false};
    case X86_REG_AL: return {0, 1, false};
    case X86_REG_CL: return {1, 1, false};
    case X86_REG_DL: return {2, 1, false};
    case X86_REG_BL: return {3, 1, false};
    case X86_REG_AH: return {0, 1, true};
    case X86_REG_CH: return {1, 1, true};
    case X86_REG_DH: return {2, 1, true};
    case X86_REG_BH: return {3, 1, true};
    case X86_REG_FS: return {4, 2, false};  // segment registers (decode() marks them so)
    case X86_REG_GS: return {5, 2, false};
    default: return {-1, 0, false};
    }
}

uint32_t truncate(int64_t v, uint8_t size) {
    const auto u = static_cast<uint64_t>(v);
    return size >= 4 ? static_cast<uint32_t>(u) : static_cast<uint32_t>(u & ((1u << (size * 8)) - 1));
}

}  // namespace

X86Decoder::X86Decoder() {
    csh h = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) throw Error(Error::Kind::System, "capstone: cannot open x86-32");
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    handle_ = h;
    insn_ = cs_malloc(h);
}

X86Decoder::~X86Decoder() {
    cs_free(static_cast<cs_insn*>(insn_), 1);
    csh h = handle_;
    cs_close(&h);
}

bool X86Decoder::decode(const uint8_t* bytes, size_t size, uint32_t address, GuestInsn& out) const {
    auto* insn = static_cast<cs_insn*>(insn_);
    const uint8_t* code = bytes;
    uint64_t addr = address;
    if (!cs_disasm_iter(handle_, &code, &size, &addr, insn)) return false;
    const cs_x86& x = insn->detail->x86;
    out = GuestInsn{};
    out.address = address;
    out.length = static_cast<uint8_t>(insn->size);
    out.id = insn->id;
    out.mnemonic = insn->mnemonic;
    out.op_text = insn->op_str;
    if (x.prefix[0] == X86_PREFIX_REP || x.prefix[0] == X86_PREFIX_REPNE) out.rep = x.prefix[0];
    // lock changes nothing a single guest thread can observe; cs/ds/es/ss overrides name flat
    // segments. An address-size prefix (16-bit addressing) is not covered.
    if (x.prefix[3] != 0) out.unsupported_prefix = true;
    if (x.prefix[1] == X86_PREFIX_FS) out.segment = 4;
    if (x.prefix[1] == X86_PREFIX_GS) out.segment = 5;
    for (uint8_t i = 0; i < x.op_count; ++i) {
        const cs_x86_op& op = x.operands[i];
        GuestOperand g;
        g.size = op.size;
        switch (op.type) {
        case X86_OP_REG: {
            const RegInfo r = regInfo(op.reg);
            if (r.number < 0) {
                out.unsupported_prefix = true;  // a segment, control or vector register
                break;
            }
            g.kind = OpKind::Reg;
            g.segment_register = op.reg == X86_REG_FS || op.reg == X86_REG_GS;
            g.reg = static_cast<uint8_t>(r.number);
            g.size = r.size;
            g.high_byte = r.high;
            break;
        }
        case X86_OP_IMM:
            g.kind = OpKind::Imm;
            g.imm = truncate(op.imm, g.size ? g.size : 4);
            break;
        case X86_OP_MEM: {
            g.kind = OpKind::Mem;
            g.segment = out.segment;
            // Only an explicit override prefix (prefix[1], checked above) changes the segment;
            // Capstone also names the implicit es: of string instructions here.
            if (op.mem.base != X86_REG_INVALID) {
                const RegInfo b = regInfo(op.mem.base);
                if (b.number < 0 || b.size != 4 || op.mem.base == X86_REG_FS || op.mem.base == X86_REG_GS) out.unsupported_prefix = true;
                g.base = b.number;
            }
            // lea esi, [esi + eiz*1]: "eiz" is no register, only a SIB encoding with no index.
            if (op.mem.index != X86_REG_INVALID && op.mem.index != X86_REG_EIZ) {
                const RegInfo ix = regInfo(op.mem.index);
                if (ix.number < 0 || ix.size != 4 || op.mem.index == X86_REG_FS || op.mem.index == X86_REG_GS) out.unsupported_prefix = true;
                g.index = ix.number;
            }
            g.scale = static_cast<uint8_t>(op.mem.scale);
            g.disp = static_cast<uint32_t>(op.mem.disp);
            break;
        }
        default: out.unsupported_prefix = true; break;
        }
        out.ops.push_back(g);
    }
    return true;
}

}  // namespace vl::emu::dbt
