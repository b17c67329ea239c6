#include "emulator/linux_stack.h"

#include <elf.h>

#include <cstring>

#include "emulator/linux_process_layout.h"

namespace vl::emu {

InitialStack buildInitialStack(const GuestImage& image, const std::vector<std::string>& argv,
                               const std::vector<std::string>& envp, uint32_t top) {
    // Strings and blobs first, from the top down, remembering where each landed.
    std::vector<uint8_t> high;  // grows downward: high[0] is the lowest byte written so far
    uint32_t cursor = top;
    auto pushBytes = [&](const void* data, size_t len) {
        cursor -= static_cast<uint32_t>(len);
        high.insert(high.begin(), static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + len);
        return cursor;
    };
    auto pushString = [&](const std::string& s) { return pushBytes(s.c_str(), s.size() + 1); };

    const uint32_t execfn = pushString(argv.empty() ? image.path : argv.front());
    const uint32_t platform = pushString("i686");
    std::vector<uint32_t> argv_ptrs, envp_ptrs;
    for (auto it = envp.rbegin(); it != envp.rend(); ++it) envp_ptrs.insert(envp_ptrs.begin(), pushString(*it));
    for (auto it = argv.rbegin(); it != argv.rend(); ++it) argv_ptrs.insert(argv_ptrs.begin(), pushString(*it));
    uint8_t random_bytes[16];
    for (int i = 0; i < 16; ++i) random_bytes[i] = static_cast<uint8_t>(0x5A ^ (i * 37));
    const uint32_t random = pushBytes(random_bytes, sizeof random_bytes);

    const std::vector<std::pair<uint32_t, uint32_t>> auxv = {
        {AT_PHDR, image.phdr_vaddr},  {AT_PHENT, image.phdr_entry_size}, {AT_PHNUM, image.phdr_count},
        {AT_PAGESZ, kPageSize},       {AT_BASE, 0},                      {AT_FLAGS, 0},
        {AT_ENTRY, image.entry},      {AT_UID, kGuestUid},               {AT_EUID, kGuestUid},
        {AT_GID, kGuestUid},          {AT_EGID, kGuestUid},              {AT_PLATFORM, platform},
        {AT_HWCAP, 0},                {AT_CLKTCK, 100},                  {AT_SECURE, 0},
        {AT_RANDOM, random},          {AT_EXECFN, execfn},               {AT_NULL, 0},
    };
    std::vector<uint32_t> words;
    words.push_back(static_cast<uint32_t>(argv_ptrs.size()));
    words.insert(words.end(), argv_ptrs.begin(), argv_ptrs.end());
    words.push_back(0);
    words.insert(words.end(), envp_ptrs.begin(), envp_ptrs.end());
    words.push_back(0);
    for (const auto& [type, value] : auxv) {
        words.push_back(type);
        words.push_back(value);
    }
    // The i386 ABI wants esp 16-byte aligned at process entry.
    const uint32_t table_bytes = static_cast<uint32_t>(words.size() * 4);
    const uint32_t pointer = (cursor - table_bytes) & ~15u;

    InitialStack stack;
    stack.pointer = pointer;
    stack.random_address = random;
    stack.bytes.assign(top - pointer, 0);
    std::memcpy(stack.bytes.data(), words.data(), table_bytes);
    std::memcpy(stack.bytes.data() + (cursor - pointer), high.data(), high.size());
    return stack;
}

}  // namespace vl::emu
