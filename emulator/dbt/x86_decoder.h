// The front end: IA-32 machine code to GuestInsn records the translator can act on without
// knowing Capstone (Capstone x86 detail mode does the decoding). Registers are reduced to the
// x86 register number plus a part (low byte, high byte, word, dword), memory operands to
// base + index * scale + displacement, as the translator's address arithmetic needs them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vl::emu::dbt {

enum class OpKind : uint8_t { Reg, Imm, Mem };

struct GuestOperand {
    OpKind kind = OpKind::Reg;
    uint8_t size = 4;          // bytes: 1, 2 or 4
    // Reg: x86 register number (eax=0 ... edi=7); high_byte for ah/ch/dh/bh.
    uint8_t reg = 0;
    bool high_byte = false;
    // Imm: the value, already truncated to `size` and zero-extended.
    uint32_t imm = 0;
    // Reg: a segment register (fs = 4, gs = 5 in `reg`), only ever an operand of mov.
    bool segment_register = false;
    // Mem: base and index are register numbers or -1; `segment` is 4 for an fs: and 5 for a
    // gs: override, whose base is added (cs/ds/es/ss are flat, base 0, and are ignored).
    uint8_t segment = 0;
    int8_t base = -1;
    int8_t index = -1;
    uint8_t scale = 1;
    uint32_t disp = 0;
};

struct GuestInsn {
    uint32_t address = 0;
    uint8_t length = 0;
    unsigned id = 0;                    // Capstone's X86_INS_*
    std::string mnemonic, op_text;      // for listings and error messages
    uint8_t rep = 0;                    // 0xF3 (rep/repe), 0xF2 (repne) or 0
    bool unsupported_prefix = false;    // address-size prefix, or a register the translator does not model
    uint8_t segment = 0;                // 4: fs: override, 5: gs: override, 0: none or a flat segment
    std::vector<GuestOperand> ops;
    // A direct jmp or call the block goes on through: the translator translates its target
    // next, in the same block, instead of branching there (translator.cpp decodeBlock).
    bool followed = false;

    uint32_t next() const { return address + length; }
    // Where execution goes on after this instruction when it does not branch away.
    uint32_t continuation() const { return followed ? ops[0].imm : next(); }
    std::string text() const { return op_text.empty() ? mnemonic : mnemonic + " " + op_text; }
};

// Reads guest code: returns how many of `want` bytes at `address` could be read.
using CodeFetch = std::function<size_t(uint32_t address, uint8_t* out, size_t want)>;

class X86Decoder {
public:
    X86Decoder();
    ~X86Decoder();
    X86Decoder(const X86Decoder&) = delete;
    X86Decoder& operator=(const X86Decoder&) = delete;

    // One instruction from `bytes` (up to 15 are looked at); false when they do not decode.
    bool decode(const uint8_t* bytes, size_t size, uint32_t address, GuestInsn& out) const;

private:
    size_t handle_ = 0;
    void* insn_ = nullptr;  // a cs_insn reused for every decode
};

}  // namespace vl::emu::dbt
