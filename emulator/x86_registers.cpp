#include "emulator/x86_registers.h"

#include "emulator/disassembler.h"

namespace vl::emu {

std::vector<std::pair<std::string, std::string>> X86Registers::named() const {
    return {{"eax", hex32(eax)}, {"ebx", hex32(ebx)}, {"ecx", hex32(ecx)}, {"edx", hex32(edx)},
            {"esi", hex32(esi)}, {"edi", hex32(edi)}, {"ebp", hex32(ebp)}, {"esp", hex32(esp)},
            {"eip", hex32(eip)}, {"eflags", hex32(eflags)}};
}

}  // namespace vl::emu
