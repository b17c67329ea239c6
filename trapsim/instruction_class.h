// Which guest instructions a deprivileged kernel cannot run itself, decoded with Capstone.
// Popek and Goldberg (CACM 17(7), 1974) split instructions into privileged ones (they trap
// when run outside the supervisor state), sensitive ones (they touch or reveal machine
// state), and innocuous ones; x86 has sensitive instructions that are NOT privileged (Robin
// and Irvine, USENIX Security 2000: popf, pushf, sgdt, sidt, smsw, str, lar, lsl, ...), which is
// why trap-and-emulate alone cannot virtualize it. The binary-translation mode reuses this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace vl::vm {

enum class Sensitivity { Innocuous, Privileged, SensitiveUnprivileged };

// The instructions a monitor emulates, plus Other for the privileged ones it recognises but
// does not emulate (ltr, wrmsr, invlpg, ...). Iret and MovToSs are not privileged on x86; they
// trap only because ring compression makes them try to enter ring 0 (an iret to a frame whose
// CS has RPL 0, a stack selector with RPL 0), and the monitor emulates them then.
// Pushf .. MovFromCs are Robin and Irvine's sensitive, unprivileged instructions: they never
// trap, so only a binary translator (or a guest really at ring 0) can give them their ring-0
// meaning. Cpuid .. Invlpg are what a VT-x control set can make exit.
enum class PrivilegedOp {
    None, Cli, Sti, Hlt, In, Out, MovToCr, MovFromCr, Lgdt, Lidt, Iret, MovToSs,
    Pushf, Popf, Sgdt, Sidt, Smsw, MovFromCs,
    Cpuid, Rdtsc, Rdmsr, Wrmsr, Invlpg, Vmcall, Ltr,
    Other
};

// The counter suffix for an operation: "cli", "sti", "hlt", "in", "out", "mov_cr", "lgdt",
// "lidt", "iret", "mov_ss", "pushf", "popf", "sgdt", "sidt", "smsw", "mov_cs", "cpuid",
// "rdtsc", "rdmsr", "wrmsr", "invlpg", "vmcall", "other".
std::string opName(PrivilegedOp op);

// A memory operand [base + index*scale + disp] (Capstone register ids; 0 = none).
struct MemoryOperand {
    int base = 0;
    int index = 0;
    int scale = 1;
    int32_t disp = 0;
};

struct DecodedInstruction {
    uint32_t address = 0;
    uint8_t size = 0;
    uint8_t bytes[16] = {};
    std::string mnemonic;   // "mov"
    std::string operands;   // "eax, cr0"
    Sensitivity sensitivity = Sensitivity::Innocuous;
    PrivilegedOp op = PrivilegedOp::None;
    // For mov to/from a control register: its number and the general register (a Capstone
    // x86_reg value) on the other side; for mov ss / mov r, cs / smsw r: the register.
    int control_register = -1;
    int general_register = 0;
    // For lgdt/lidt/sgdt/sidt (and smsw to memory): the memory operand.
    std::optional<MemoryOperand> memory;

    bool ends_block = false;  // a jump, call, return, loop, int or iret: control leaves
    std::string text() const { return operands.empty() ? mnemonic : mnemonic + " " + operands; }
};

class InstructionDecoder {
public:
    InstructionDecoder();  // throws vl::Error(System) if Capstone cannot be opened
    ~InstructionDecoder();
    InstructionDecoder(const InstructionDecoder&) = delete;
    InstructionDecoder& operator=(const InstructionDecoder&) = delete;

    // Decodes one IA-32 instruction at `address`; nullopt for bytes that are no instruction.
    std::optional<DecodedInstruction> decode(const uint8_t* bytes, size_t available, uint32_t address) const;

private:
    size_t handle_;  // csh
};

// Whether the CPU faults on `insn` at this CPL: cli, sti, in and out are allowed while
// CPL <= IOPL; the other privileged instructions only at CPL 0. Iret and mov ss depend on the
// selector they load, which the monitor checks itself (it sees the stack and the registers).
bool faultsAt(const DecodedInstruction& insn, int cpl, int iopl);

}  // namespace vl::vm
