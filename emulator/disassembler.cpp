#include "emulator/disassembler.h"

#include <capstone/capstone.h>

#include <cstdio>

#include "core/error.h"

namespace vl::emu {

std::string hex32(uint32_t value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", value);
    return buf;
}

std::string Instruction::text() const { return operands.empty() ? mnemonic : mnemonic + " " + operands; }

std::string Instruction::line() const {
    std::string hexbytes;
    for (uint8_t b : bytes) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x ", b);
        hexbytes += buf;
    }
    if (hexbytes.size() < 24) hexbytes.resize(24, ' ');
    return hex32(address) + "  " + hexbytes + text();
}

Disassembler::Disassembler(Arch arch) {
    csh h = 0;
    const cs_err err = arch == Arch::X86_32 ? cs_open(CS_ARCH_X86, CS_MODE_32, &h)
                                            : cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &h);
    if (err != CS_ERR_OK) throw Error(Error::Kind::System, std::string("capstone: ") + cs_strerror(err));
    handle_ = h;
}

Disassembler::~Disassembler() {
    csh h = handle_;
    cs_close(&h);
}

std::vector<Instruction> Disassembler::decode(const uint8_t* code, size_t size, uint32_t address, size_t max_count) const {
    std::vector<Instruction> out;
    cs_insn* insns = nullptr;
    const size_t n = cs_disasm(handle_, code, size, address, max_count, &insns);
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        Instruction in;
        in.address = static_cast<uint32_t>(insns[i].address);
        in.bytes.assign(insns[i].bytes, insns[i].bytes + insns[i].size);
        in.mnemonic = insns[i].mnemonic;
        in.operands = insns[i].op_str;
        out.push_back(std::move(in));
    }
    if (insns) cs_free(insns, n);
    return out;
}

bool Disassembler::decodeOne(const uint8_t* code, size_t size, uint32_t address, Instruction& out) const {
    auto v = decode(code, size, address, 1);
    if (v.empty()) return false;
    out = std::move(v.front());
    return true;
}

}  // namespace vl::emu
