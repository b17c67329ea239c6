#include "trapsim/guest_machine.h"

#include <capstone/capstone.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "trapsim/guest_image.h"

namespace vl::vm {
namespace {

// Flat 4 GiB descriptors with the accessed bit preset, so the CPU never writes to the GDT
// (which lives in read-only monitor memory once the guest runs).
constexpr uint64_t kMonitorCode = 0x00CF9B000000FFFFull;  // ring-0 code
constexpr uint64_t kMonitorData = 0x00CF93000000FFFFull;  // ring-0 data
constexpr uint64_t kBootCode = 0x00CFBB000000FFFFull;     // ring-1 code (DPL 1)
constexpr uint64_t kBootData = 0x00CFB3000000FFFFull;     // ring-1 data (DPL 1)
constexpr uint64_t kDescriptorS = 1ull << 44;             // code or data (not a system descriptor)
constexpr uint64_t kDescriptorAccessed = 1ull << 40;
constexpr int kDplShift = 45;

void check(uc_err err, const std::string& what) {
    if (err != UC_ERR_OK) throwUnicorn(what, err);
}

int ucRegFor(int capstone_reg) {
    switch (capstone_reg) {
    case X86_REG_EAX: return UC_X86_REG_EAX;
    case X86_REG_EBX: return UC_X86_REG_EBX;
    case X86_REG_ECX: return UC_X86_REG_ECX;
    case X86_REG_EDX: return UC_X86_REG_EDX;
    case X86_REG_ESI: return UC_X86_REG_ESI;
    case X86_REG_EDI: return UC_X86_REG_EDI;
    case X86_REG_EBP: return UC_X86_REG_EBP;
    case X86_REG_ESP: return UC_X86_REG_ESP;
    // 16-bit forms (mov ss, ax): the caller uses the low half.
    case X86_REG_AX: return UC_X86_REG_EAX;
    case X86_REG_BX: return UC_X86_REG_EBX;
    case X86_REG_CX: return UC_X86_REG_ECX;
    case X86_REG_DX: return UC_X86_REG_EDX;
    case X86_REG_SI: return UC_X86_REG_ESI;
    case X86_REG_DI: return UC_X86_REG_EDI;
    case X86_REG_BP: return UC_X86_REG_EBP;
    case X86_REG_SP: return UC_X86_REG_ESP;
    default: throw Error(Error::Kind::Guest, "instruction uses a register the monitor cannot emulate");
    }
}

void put32(std::vector<uint8_t>& code, uint32_t v) {
    for (int i = 0; i < 4; ++i) code.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

void throwUnicorn(const std::string& what, uc_err err) {
    throw Error(Error::Kind::System, what + ": " + uc_strerror(err));
}

GuestMachine::GuestMachine() {
    check(uc_open(UC_ARCH_X86, UC_MODE_32, &uc_), "uc_open");
    void* ram = mmap(nullptr, layout::kRamEnd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED) throwErrno("allocate guest RAM");
    ram_.reset(static_cast<uint8_t*>(ram));
    check(uc_mem_map_ptr(uc_, layout::kRamFirstMapped, layout::kRamEnd - layout::kRamFirstMapped, UC_PROT_ALL,
                         ram_.get() + layout::kRamFirstMapped),
          "map guest RAM");
    check(uc_mem_map(uc_, layout::kMonitorBase, layout::kMonitorSize, UC_PROT_ALL), "map monitor region");
    uint64_t gdt[layout::kGdtEntries] = {};
    gdt[layout::kMonitorCodeSelector >> 3] = kMonitorCode;
    gdt[layout::kMonitorDataSelector >> 3] = kMonitorData;
    gdt[layout::kGuestCodeSelector >> 3] = kBootCode;
    gdt[layout::kGuestDataSelector >> 3] = kBootData;
    check(uc_mem_write(uc_, layout::kGdtAddress, gdt, sizeof gdt), "write GDT");
    uc_x86_mmr gdtr{};
    gdtr.base = layout::kGdtAddress;
    gdtr.limit = sizeof gdt - 1;
    check(uc_reg_write(uc_, UC_X86_REG_GDTR, &gdtr), "load GDTR");
    uc_x86_mmr idtr{};
    idtr.base = layout::kIdtAddress;
    idtr.limit = layout::kIdtLimit;
    check(uc_reg_write(uc_, UC_X86_REG_IDTR, &idtr), "load IDTR");
    // The monitor's own ring-0 state, from which the trampoline irets into the guest.
    setReg(UC_X86_REG_CS, layout::kMonitorCodeSelector);
    setReg(UC_X86_REG_SS, layout::kMonitorDataSelector);
    for (int seg : {UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS}) setReg(seg, layout::kMonitorDataSelector);
    setReg(UC_X86_REG_ESP, layout::kMonitorStackTop);
}

GuestMachine::~GuestMachine() {
    if (clean_) uc_context_free(clean_);
    if (kernel_entry_) uc_context_free(kernel_entry_);
    if (uc_) uc_close(uc_);  // before the RAM its mappings point into
}

void GuestMachine::RamRelease::operator()(uint8_t* ram) const { munmap(ram, layout::kRamEnd); }

void GuestMachine::load(const GuestImage& image) {
    check(uc_mem_write(uc_, image.load_address, image.bytes.data(), image.bytes.size()), "copy guest image");
    // Multiboot information (Multiboot 1 §3.3): flags bit 0 -> mem_lower / mem_upper in KiB.
    const uint32_t info[layout::kBootInfoSize / 4] = {1u, 639u, (layout::kRamEnd >> 10) - 1024u};
    check(uc_mem_write(uc_, layout::kBootInfoAddress, info, sizeof info), "write boot information");
}

void GuestMachine::enter(const GuestImage& image, int ring) {
    const uint32_t code_selector = ring == 0 ? layout::kMonitorCodeSelector : layout::kGuestCodeSelector;
    const uint32_t data_selector = ring == 0 ? layout::kMonitorDataSelector : layout::kGuestDataSelector;
    // The frame iret pops: EIP, CS, EFLAGS, and ESP, SS when it returns to an outer ring.
    std::vector<uint8_t> code;
    if (ring != 0) {
        code.push_back(0x68);  // push ss (imm32: imm8 would sign-extend)
        put32(code, data_selector);
        code.push_back(0x68);  // push esp
        put32(code, layout::kInitialStack);
    }
    code.push_back(0x68);      // push eflags
    put32(code, layout::kGuestEflags);
    code.push_back(0x68);      // push cs
    put32(code, code_selector);
    code.push_back(0x68);      // push eip
    put32(code, image.entry);
    code.push_back(0xCF);      // iret
    check(uc_mem_write(uc_, layout::kTrampolineAddress, code.data(), code.size()), "write entry trampoline");

    // Multiboot 1 §3.2 machine state: EAX holds the loader magic, EBX the information address.
    setReg(UC_X86_REG_EAX, image.multiboot ? GuestImage::kMultibootBootloaderMagic : 0);
    setReg(UC_X86_REG_EBX, image.multiboot ? layout::kBootInfoAddress : 0);
    check(uc_emu_start(uc_, layout::kTrampolineAddress, image.entry, 0, 0), "run entry trampoline");
    if (ring == 0) {
        setReg(UC_X86_REG_SS, data_selector);
        setReg(UC_X86_REG_ESP, layout::kInitialStack);
    }
    for (int seg : {UC_X86_REG_DS, UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS}) setReg(seg, data_selector);
    if (realCpl() != ring || eip() != image.entry)
        throw Error(Error::Kind::System, "entry trampoline did not reach the guest at ring " + std::to_string(ring));

    check(uc_mem_protect(uc_, layout::kMonitorBase, layout::kMonitorSize, UC_PROT_READ), "protect monitor region");
    check(uc_context_alloc(uc_, &clean_), "uc_context_alloc");
    check(uc_context_save(uc_, clean_), "uc_context_save");
}

uint32_t GuestMachine::reg(int uc_reg) const {
    uint32_t v = 0;
    uc_reg_read(uc_, uc_reg, &v);
    return v;
}

void GuestMachine::setReg(int uc_reg, uint32_t value) { check(uc_reg_write(uc_, uc_reg, &value), "write register"); }

std::vector<uint8_t> GuestMachine::read(uint32_t address, size_t max) const {
    std::vector<uint8_t> out(max);
    while (!out.empty() && uc_mem_read(uc_, address, out.data(), out.size()) != UC_ERR_OK) out.pop_back();
    return out;
}

bool GuestMachine::installGuestGdt(const std::vector<uint64_t>& descriptors) {
    if (descriptors.size() > static_cast<size_t>(layout::kGuestGdtEntries)) return false;
    uint64_t shadow[layout::kGuestGdtEntries] = {};
    for (size_t i = 1; i < descriptors.size(); ++i) {
        uint64_t d = descriptors[i];
        if (!(d & kDescriptorS)) continue;
        const int dpl = static_cast<int>((d >> kDplShift) & 3);
        if (dpl < layout::kGuestRing) d = (d & ~(3ull << kDplShift)) | (uint64_t{layout::kGuestRing} << kDplShift);
        shadow[i] = d | kDescriptorAccessed;
    }
    // uc_mem_write ignores the region's read-only protection, which binds only the guest.
    return uc_mem_write(uc_, layout::kGdtAddress, shadow, sizeof shadow) == UC_ERR_OK;
}

bool GuestMachine::writeGuest(uint32_t address, const void* data, size_t size) {
    if (address < layout::kRamFirstMapped || address >= layout::kMonitorLinearBase ||
        layout::kMonitorLinearBase - address < size)
        return false;
    return uc_mem_write(uc_, address, data, size) == UC_ERR_OK;
}

bool GuestMachine::readGuest(uint32_t address, void* data, size_t size) const {
    if (address < layout::kRamFirstMapped || address >= layout::kMonitorLinearBase ||
        layout::kMonitorLinearBase - address < size)
        return false;
    return uc_mem_read(uc_, address, data, size) == UC_ERR_OK;
}

bool GuestMachine::readPhysical(uint32_t address, void* data, size_t size) const {
    if (address >= layout::kRamEnd || layout::kRamEnd - address < size) return false;
    std::memcpy(data, ram_.get() + address, size);
    return true;
}

bool GuestMachine::writePhysical(uint32_t address, const void* data, size_t size) {
    if (address >= layout::kRamEnd || layout::kRamEnd - address < size) return false;
    std::memcpy(ram_.get() + address, data, size);
    return true;
}

void GuestMachine::clearStaleException() {
    if (realCpl() == 3) return;
    restoreCleanContext(true);
}

bool GuestMachine::enterKernel(uint16_t cs, uint32_t eip, uint16_t ss, uint32_t esp, uint32_t eflags) {
    static constexpr int kControl[] = {UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4};
    uint64_t cr2 = 0;  // the page fault being delivered (hw: the guest's own CR2)
    uc_reg_read(uc_, UC_X86_REG_CR2, &cr2);
    uint64_t control[3] = {};
    for (size_t i = 0; i < 3; ++i) uc_reg_read(uc_, kControl[i], &control[i]);
    const bool same_paging = kernel_entry_ && std::equal(control, control + 3, kernel_entry_control_);
    if (same_paging) {
        // The general registers, flags, data segments and tables are carried as by the clean
        // restore; the control registers are those already in the saved context.
        static constexpr int kCarried[] = {UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX,
                                           UC_X86_REG_ESI, UC_X86_REG_EDI, UC_X86_REG_EBP, UC_X86_REG_DS,
                                           UC_X86_REG_ES,  UC_X86_REG_FS,  UC_X86_REG_GS};
        uint32_t values[std::size(kCarried)] = {};
        uc_x86_mmr tables[3] = {};
        static constexpr int kTables[] = {UC_X86_REG_GDTR, UC_X86_REG_IDTR, UC_X86_REG_TR};
        for (size_t i = 0; i < std::size(kCarried); ++i) uc_reg_read(uc_, kCarried[i], &values[i]);
        for (size_t i = 0; i < std::size(kTables); ++i) uc_reg_read(uc_, kTables[i], &tables[i]);
        check(uc_context_restore(uc_, kernel_entry_), "uc_context_restore");
        for (size_t i = 0; i < std::size(kTables); ++i) uc_reg_write(uc_, kTables[i], &tables[i]);
        for (size_t i = 0; i < std::size(kCarried); ++i) uc_reg_write(uc_, kCarried[i], &values[i]);
        uc_reg_write(uc_, UC_X86_REG_CR2, &cr2);
    } else {
        restoreCleanContext(false);
    }
    if (uc_reg_write(uc_, UC_X86_REG_SS, &ss) != UC_ERR_OK) return false;  // SS first: it sets the CPL
    if (uc_reg_write(uc_, UC_X86_REG_CS, &cs) != UC_ERR_OK) return false;
    setReg(UC_X86_REG_ESP, esp);
    setReg(UC_X86_REG_EFLAGS, eflags);
    setReg(UC_X86_REG_EIP, eip);
    if (!same_paging) {
        if (!kernel_entry_) check(uc_context_alloc(uc_, &kernel_entry_), "uc_context_alloc");
        check(uc_context_save(uc_, kernel_entry_), "uc_context_save");
        std::copy(control, control + 3, kernel_entry_control_);
    }
    return true;
}

void GuestMachine::restoreCleanContext(bool carry_cs_ss) {
    // SS before CS and the data segments: the guest may have loaded its own selectors (from
    // its ring-compressed GDT), and the restored context holds the boot ones.
    static constexpr int kCarried32[] = {
        UC_X86_REG_EAX, UC_X86_REG_EBX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_ESI, UC_X86_REG_EDI,
        UC_X86_REG_EBP, UC_X86_REG_ESP, UC_X86_REG_EIP, UC_X86_REG_EFLAGS, UC_X86_REG_SS, UC_X86_REG_CS,
        UC_X86_REG_DS, UC_X86_REG_ES,
        UC_X86_REG_FS,  UC_X86_REG_GS,  UC_X86_REG_FPCW, UC_X86_REG_FPSW, UC_X86_REG_FPTAG, UC_X86_REG_MXCSR};
    static constexpr int kCarriedWide[] = {
        UC_X86_REG_FP0,  UC_X86_REG_FP1,  UC_X86_REG_FP2,  UC_X86_REG_FP3,  UC_X86_REG_FP4,  UC_X86_REG_FP5,
        UC_X86_REG_FP6,  UC_X86_REG_FP7,  UC_X86_REG_XMM0, UC_X86_REG_XMM1, UC_X86_REG_XMM2, UC_X86_REG_XMM3,
        UC_X86_REG_XMM4, UC_X86_REG_XMM5, UC_X86_REG_XMM6, UC_X86_REG_XMM7};
    // A guest at ring 0 (the hw monitor) owns its descriptor tables and CR0 too: they go first,
    // since the segment loads below look their selectors up in the GDT.
    // The task register too: a guest at ring 0 loads its own with ltr.
    static constexpr int kCarriedTables[] = {UC_X86_REG_GDTR, UC_X86_REG_IDTR, UC_X86_REG_TR};
    static constexpr int kCarriedControl[] = {UC_X86_REG_CR0, UC_X86_REG_CR2, UC_X86_REG_CR3, UC_X86_REG_CR4};
    uint32_t narrow[std::size(kCarried32)] = {};
    uint8_t wide[std::size(kCarriedWide)][16] = {};
    uc_x86_mmr tables[std::size(kCarriedTables)] = {};
    uint64_t control[std::size(kCarriedControl)] = {};
    for (size_t i = 0; i < std::size(kCarried32); ++i) uc_reg_read(uc_, kCarried32[i], &narrow[i]);
    for (size_t i = 0; i < std::size(kCarriedWide); ++i) uc_reg_read(uc_, kCarriedWide[i], wide[i]);
    for (size_t i = 0; i < std::size(kCarriedTables); ++i) uc_reg_read(uc_, kCarriedTables[i], &tables[i]);
    for (size_t i = 0; i < std::size(kCarriedControl); ++i) uc_reg_read(uc_, kCarriedControl[i], &control[i]);
    check(uc_context_restore(uc_, clean_), "uc_context_restore");
    for (size_t i = 0; i < std::size(kCarriedTables); ++i) uc_reg_write(uc_, kCarriedTables[i], &tables[i]);
    for (size_t i = 0; i < std::size(kCarriedControl); ++i) uc_reg_write(uc_, kCarriedControl[i], &control[i]);
    for (size_t i = 0; i < std::size(kCarried32); ++i) {
        if (!carry_cs_ss && (kCarried32[i] == UC_X86_REG_SS || kCarried32[i] == UC_X86_REG_CS)) continue;
        uc_reg_write(uc_, kCarried32[i], &narrow[i]);
    }
    for (size_t i = 0; i < std::size(kCarriedWide); ++i) uc_reg_write(uc_, kCarriedWide[i], wide[i]);
}

uint32_t GuestMachine::get(int capstone_reg) const { return reg(ucRegFor(capstone_reg)); }
void GuestMachine::set(int capstone_reg, uint32_t value) { setReg(ucRegFor(capstone_reg), value); }

}  // namespace vl::vm
