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

// The privileged instructions a monitor emulates, plus Other for the ones it recognises but
// this slice does not emulate (lgdt, lidt, ltr, wrmsr, invlpg, ...).
enum class PrivilegedOp { None, Cli, Sti, Hlt, In, Out, MovToCr, MovFromCr, Other };

// The counter suffix for an operation: "cli", "sti", "hlt", "in", "out", "mov_cr", "other".
std::string opName(PrivilegedOp op);

struct DecodedInstruction {
    uint32_t address = 0;
    uint8_t size = 0;
    uint8_t bytes[16] = {};
    std::string mnemonic;   // "mov"
    std::string operands;   // "eax, cr0"
    Sensitivity sensitivity = Sensitivity::Innocuous;
    PrivilegedOp op = PrivilegedOp::None;
    // For mov to/from a control register: its number and the general register (a Capstone
    // x86_reg value) on the other side.
    int control_register = -1;
    int general_register = 0;

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
// CPL <= IOPL; the other privileged instructions only at CPL 0.
bool faultsAt(const DecodedInstruction& insn, int cpl, int iopl);

}  // namespace vl::vm
