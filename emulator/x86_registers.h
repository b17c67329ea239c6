// The IA-32 user-visible register file as every x86 engine reports it, in the order a
// debugger shows it; engines compare and print registers through this one type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vl::emu {

struct X86Registers {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0, ebp = 0, esp = 0, eip = 0, eflags = 0;

    // {"eax", "0x0000002a"} ... in display order: eax ebx ecx edx esi edi ebp esp eip eflags.
    std::vector<std::pair<std::string, std::string>> named() const;
    bool operator==(const X86Registers&) const = default;
};

}  // namespace vl::emu
