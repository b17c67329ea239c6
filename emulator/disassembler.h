// Capstone, wrapped once: x86-32 for guest listings and block traces, AArch64 for what the
// ARM CPU made of x86 bytes (and, later, for the translator's output).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::emu {

struct Instruction {
    uint32_t address = 0;
    std::vector<uint8_t> bytes;
    std::string mnemonic;
    std::string operands;

    std::string text() const;     // "mov eax, 4"
    std::string line() const;     // "0x00400000  b8 04 00 00 00        mov eax, 4"
};

class Disassembler {
public:
    enum class Arch { X86_32, AArch64 };
    explicit Disassembler(Arch arch);
    ~Disassembler();
    Disassembler(const Disassembler&) = delete;
    Disassembler& operator=(const Disassembler&) = delete;

    // Decodes up to max_count instructions; stops early at bytes that do not decode.
    std::vector<Instruction> decode(const uint8_t* code, size_t size, uint32_t address, size_t max_count = 0) const;
    // Exactly one instruction at `address`, or nothing when the bytes do not decode.
    bool decodeOne(const uint8_t* code, size_t size, uint32_t address, Instruction& out) const;

private:
    size_t handle_ = 0;  // csh
};

std::string hex32(uint32_t value);  // "0x00400000"

}  // namespace vl::emu
