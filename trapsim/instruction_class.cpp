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
std::optional<MemoryOperand> memoryOperand(const cs_insn& ci) {
    const cs_x86& x = ci.detail->x86;
    if (x.op_count != 1 || x.operands[0].type != X86_OP_MEM) return std::nullopt;
    const x86_op_mem& m = x.operands[0].mem;
    return MemoryOperand{static_cast<int>(m.base), static_cast<int>(m.index), m.scale, static_cast<int32_t>(m.disp)};
}

void classify(const cs_insn& ci, DecodedInstruction& out) {
    auto privileged = [&](PrivilegedOp op) {
        out.sensitivity = Sensitivity::Privileged;
        out.op = op;
    };
    auto sensitive = [&](PrivilegedOp op) {
        out.sensitivity = Sensitivity::SensitiveUnprivileged;
        out.op = op;
    };
    for (uint8_t i = 0; i < ci.detail->groups_count; ++i) {
        const uint8_t g = ci.detail->groups[i];
        if (g == X86_GRP_JUMP || g == X86_GRP_CALL || g == X86_GRP_RET || g == X86_GRP_INT || g == X86_GRP_IRET)
            out.ends_block = true;
    }
    switch (ci.id) {
    case X86_INS_CLI: return privileged(PrivilegedOp::Cli);
    case X86_INS_STI: return privileged(PrivilegedOp::Sti);
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
            if (src == X86_REG_CS) {
                out.general_register = static_cast<int>(dst);
                return sensitive(PrivilegedOp::MovFromCs);  // reveals the real CPL in its RPL
            }
            if (dst == X86_REG_SS) {
                out.general_register = static_cast<int>(src);
                out.op = PrivilegedOp::MovToSs;  // innocuous on bare metal; see faultsAt
                return;
            }
            if ((dst >= X86_REG_DR0 && dst <= X86_REG_DR15) || (src >= X86_REG_DR0 && src <= X86_REG_DR15))
                return privileged(PrivilegedOp::Other);
        }
        return;
    }
    case X86_INS_LGDT:
    case X86_INS_LIDT:
        out.memory = memoryOperand(ci);
        return privileged(ci.id == X86_INS_LGDT ? PrivilegedOp::Lgdt : PrivilegedOp::Lidt);
    case X86_INS_HLT: out.ends_block = true; return privileged(PrivilegedOp::Hlt);
    case X86_INS_CPUID: out.op = PrivilegedOp::Cpuid; return;  // innocuous at any ring, but VT-x always exits
    case X86_INS_RDTSC: out.op = PrivilegedOp::Rdtsc; return;  // allowed at ring 3 unless CR4.TSD
    case X86_INS_RDMSR: return privileged(PrivilegedOp::Rdmsr);
    case X86_INS_WRMSR: return privileged(PrivilegedOp::Wrmsr);
    case X86_INS_INVLPG: return privileged(PrivilegedOp::Invlpg);
    case X86_INS_VMCALL: out.op = PrivilegedOp::Vmcall; return;
    case X86_INS_IRET:
    case X86_INS_IRETD:
        out.sensitivity = Sensitivity::SensitiveUnprivileged;  // restores IF only at CPL <= IOPL
        out.op = PrivilegedOp::Iret;
        return;
    case X86_INS_LTR: {  // the task register: where ring-3 interrupts find the kernel stack
        const cs_x86& x = ci.detail->x86;
        if (x.op_count == 1 && x.operands[0].type == X86_OP_REG) out.general_register = static_cast<int>(x.operands[0].reg);
        out.memory = memoryOperand(ci);
        return privileged(PrivilegedOp::Ltr);
    }
    case X86_INS_LLDT:
    case X86_INS_LMSW:
    case X86_INS_CLTS:
    case X86_INS_INVD:
    case X86_INS_WBINVD:
    case X86_INS_RDPMC:
        return privileged(PrivilegedOp::Other);
    case X86_INS_POPF:   // popfw (16-bit) is left alone: a 32-bit kernel does not use it
    case X86_INS_POPFD: return sensitive(ci.id == X86_INS_POPFD ? PrivilegedOp::Popf : PrivilegedOp::None);
    case X86_INS_PUSHF:
    case X86_INS_PUSHFD: return sensitive(ci.id == X86_INS_PUSHFD ? PrivilegedOp::Pushf : PrivilegedOp::None);
    case X86_INS_SGDT:
    case X86_INS_SIDT:
        out.memory = memoryOperand(ci);
        return sensitive(ci.id == X86_INS_SGDT ? PrivilegedOp::Sgdt : PrivilegedOp::Sidt);
    case X86_INS_SMSW: {
        const cs_x86& x = ci.detail->x86;
        if (x.op_count == 1 && x.operands[0].type == X86_OP_REG) out.general_register = static_cast<int>(x.operands[0].reg);
        out.memory = memoryOperand(ci);
        return sensitive(PrivilegedOp::Smsw);
    }
    case X86_INS_SLDT:
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
    case PrivilegedOp::Lgdt: return "lgdt";
    case PrivilegedOp::Lidt: return "lidt";
    case PrivilegedOp::Iret: return "iret";
    case PrivilegedOp::MovToSs: return "mov_ss";
    case PrivilegedOp::Pushf: return "pushf";
    case PrivilegedOp::Popf: return "popf";
    case PrivilegedOp::Sgdt: return "sgdt";
    case PrivilegedOp::Sidt: return "sidt";
    case PrivilegedOp::Smsw: return "smsw";
    case PrivilegedOp::MovFromCs: return "mov_cs";
    case PrivilegedOp::Cpuid: return "cpuid";
    case PrivilegedOp::Rdtsc: return "rdtsc";
    case PrivilegedOp::Rdmsr: return "rdmsr";
    case PrivilegedOp::Wrmsr: return "wrmsr";
    case PrivilegedOp::Invlpg: return "invlpg";
    case PrivilegedOp::Vmcall: return "vmcall";
    case PrivilegedOp::Ltr: return "ltr";
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
    case PrivilegedOp::Iret:
    case PrivilegedOp::MovToSs:
    case PrivilegedOp::Pushf:
    case PrivilegedOp::Popf:
    case PrivilegedOp::Sgdt:
    case PrivilegedOp::Sidt:
    case PrivilegedOp::Smsw:
    case PrivilegedOp::MovFromCs:
    case PrivilegedOp::Cpuid:
    case PrivilegedOp::Rdtsc:
    case PrivilegedOp::Vmcall: return false;  // (vmcall outside VMX operation is #UD, reflected as such)
    default: return cpl > 0;
    }
}

}  // namespace vl::vm
