#include "trapsim/instruction_class.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace vl::vm {
namespace {

bool isControlRegister(unsigned reg) { return reg >= X86_REG_CR0 && reg <= X86_REG_CR15; }

// Classifies by Capstone instruction id. The lists follow the Intel SDM ("instructions that
// can be executed only at CPL 0", Vol. 3 §5.9) and Robin & Irvine's seventeen sensitive,
// unprivileged instructions (push/pop/call/jmp/int/ret/mov of segment registers count only in
// their segment forms, which this slice does not need to tell apart).
void classify(const cs_insn& ci, DecodedInstruction& out) {
    auto privileged = [&](PrivilegedOp op) {
        out.sensitivity = Sensitivity::Privileged;
        out.op = op;
    };
    switch (ci.id) {
    case X86_INS_CLI: return privileged(PrivilegedOp::Cli);
    case X86_INS_STI: return privileged(PrivilegedOp::Sti);
    case X86_INS_HLT: return privileged(PrivilegedOp::Hlt);
    case X86_INS_IN:
    case X86_INS_INSB:
    case X86_INS_INSW:
    case X86_INS_INSD: return privileged(PrivilegedOp::In);
    case X86_INS_OUT:
    case X86_INS_OUTSB:
    case X86_INS_OUTSW:
    case X86_INS_OUTSD: return privileged(PrivilegedOp::Out);
    case X86_INS_MOV: {
        const cs_x86& x = ci.detail->x86;
        if (x.op_count == 2 && x.operands[0].type == X86_OP_REG && x.operands[1].type == X86_OP_REG) {
            const unsigned dst = x.operands[0].reg, src = x.operands[1].reg;
            if (isControlRegister(dst)) {
                out.control_register = static_cast<int>(dst - X86_REG_CR0);
                out.general_register = static_cast<int>(src);
                return privileged(PrivilegedOp::MovToCr);
            }
            if (isControlRegister(src)) {
                out.control_register = static_cast<int>(src - X86_REG_CR0);
                out.general_register = static_cast<int>(dst);
                return privileged(PrivilegedOp::MovFromCr);
            }
            if ((dst >= X86_REG_DR0 && dst <= X86_REG_DR15) || (src >= X86_REG_DR0 && src <= X86_REG_DR15))
                return privileged(PrivilegedOp::Other);
        }
        return;
    }
    case X86_INS_LGDT:
    case X86_INS_LIDT:
    case X86_INS_LLDT:
    case X86_INS_LTR:
    case X86_INS_LMSW:
    case X86_INS_CLTS:
    case X86_INS_INVD:
    case X86_INS_WBINVD:
    case X86_INS_INVLPG:
    case X86_INS_RDMSR:
    case X86_INS_WRMSR:
    case X86_INS_RDPMC:
        return privileged(PrivilegedOp::Other);
    case X86_INS_POPF:
    case X86_INS_POPFD:
    case X86_INS_PUSHF:
    case X86_INS_PUSHFD:
    case X86_INS_SGDT:
    case X86_INS_SIDT:
    case X86_INS_SLDT:
    case X86_INS_SMSW:
    case X86_INS_STR:
    case X86_INS_LAR:
    case X86_INS_LSL:
    case X86_INS_VERR:
    case X86_INS_VERW:
        out.sensitivity = Sensitivity::SensitiveUnprivileged;
        return;
    default: return;
    }
}

}  // namespace

std::string opName(PrivilegedOp op) {
    switch (op) {
    case PrivilegedOp::None: return "none";
    case PrivilegedOp::Cli: return "cli";
    case PrivilegedOp::Sti: return "sti";
    case PrivilegedOp::Hlt: return "hlt";
    case PrivilegedOp::In: return "in";
    case PrivilegedOp::Out: return "out";
    case PrivilegedOp::MovToCr:
    case PrivilegedOp::MovFromCr: return "mov_cr";
    case PrivilegedOp::Other: return "other";
    }
    return "none";
}

InstructionDecoder::InstructionDecoder() {
    csh h = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK) throw Error(Error::Kind::System, "capstone: cannot open the x86 decoder");
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    handle_ = h;
}

InstructionDecoder::~InstructionDecoder() {
    csh h = handle_;
    cs_close(&h);
}

std::optional<DecodedInstruction> InstructionDecoder::decode(const uint8_t* bytes, size_t available,
                                                             uint32_t address) const {
    cs_insn* ci = nullptr;
    const size_t n = cs_disasm(handle_, bytes, std::min<size_t>(available, 15), address, 1, &ci);
    if (n == 0) return std::nullopt;
    DecodedInstruction out;
    out.address = address;
    out.size = static_cast<uint8_t>(ci->size);
    std::memcpy(out.bytes, ci->bytes, ci->size);
    out.mnemonic = ci->mnemonic;
    out.operands = ci->op_str;
    classify(*ci, out);
    cs_free(ci, n);
    return out;
}

bool faultsAt(const DecodedInstruction& insn, int cpl, int iopl) {
    switch (insn.op) {
    case PrivilegedOp::None: return false;
    case PrivilegedOp::Cli:
    case PrivilegedOp::Sti:
    case PrivilegedOp::In:
    case PrivilegedOp::Out: return cpl > iopl;
    default: return cpl > 0;
    }
}

}  // namespace vl::vm
