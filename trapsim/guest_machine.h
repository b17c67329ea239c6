// The bare machine a monitor runs a guest kernel on: Unicorn's IA-32 CPU, guest RAM, a
// monitor-owned region holding the GDT and the ring-0 entry trampoline, and the register
// plumbing every monitor mode needs. The guest is entered the way a kernel enters user mode:
// an `iret` executed at ring 0 that lands at the guest's entry point at ring 1 (Unicorn
// refuses a less privileged SS written with uc_reg_write, and a real CPU changes CPL only
// through such a control transfer anyway).
//
// Why ring 1 and not ring 3: it is the classic ring-compression choice for a 32-bit guest
// kernel (Xen's x86-32 PV guests, VMware's binary translator): the kernel is deprivileged
// enough that cli/sti/hlt/mov-to-CR fault, yet ring 3 stays free for the guest's own user
// tasks, and ring 1 still counts as "supervisor" for paging.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vl::vm {

struct GuestImage;

namespace layout {
constexpr uint32_t kRamEnd = 4u << 20;              // 4 MiB of guest RAM at physical 0
constexpr uint32_t kRamFirstMapped = 0x1000;        // page 0 unmapped: null pointers fault
constexpr uint32_t kBootInfoAddress = 0x9000;       // Multiboot information structure
constexpr uint32_t kBootInfoSize = 12;              // flags, mem_lower, mem_upper
constexpr uint32_t kInitialStack = kRamEnd;         // ESP at entry (a kernel sets its own)
constexpr uint32_t kMonitorBase = 0xFFFF0000;       // GDT and trampoline; read-only to the guest
constexpr uint32_t kMonitorSize = 0x10000;
// The real GDT: 32 entries. The guest's own descriptors (after its lgdt) are copied into
// entries 0-27, ring-compressed; the top four are the monitor's, as Xen reserves the top of
// every guest GDT for itself.
constexpr uint32_t kGdtAddress = kMonitorBase;
constexpr int kGdtEntries = 32;
constexpr int kGuestGdtEntries = 28;
// The real IDT the CPU's IDTR points at. Unicorn hands every exception and interrupt to the
// monitor's hook instead of delivering it, so this table stays empty; it exists so that `sidt`
// shows what it shows on a real monitor: the monitor's table, not the guest's.
constexpr uint32_t kIdtAddress = kMonitorBase + 0x800;
constexpr uint32_t kIdtLimit = 0x7FF;
constexpr uint32_t kTrampolineAddress = kMonitorBase + 0x1000;
constexpr uint32_t kMonitorStackTop = kMonitorBase + 0x8000;
// The real page tables the monitor builds from the guest's when the guest turns paging on
// (shadow_mmu.h): a page directory and seven page tables, above the monitor's stack.
constexpr uint32_t kShadowPoolBase = kMonitorBase + 0x8000;
constexpr int kShadowPoolPages = 8;
// The top 4 MiB of every address space belong to the monitor (one page-directory entry, as
// Xen reserves the top of every 32-bit guest's): guest mappings there are ignored.
constexpr uint32_t kMonitorLinearBase = 0xFFC00000;
constexpr int kGuestRing = 1;
constexpr uint16_t kMonitorCodeSelector = 0xE0;     // GDT entry 28, ring 0
constexpr uint16_t kMonitorDataSelector = 0xE8;     // GDT entry 29, ring 0
constexpr uint16_t kGuestCodeSelector = 0xF0 | kGuestRing;  // GDT entry 30, DPL 1: the boot code segment
constexpr uint16_t kGuestDataSelector = 0xF8 | kGuestRing;  // GDT entry 31, DPL 1: the boot data segment
constexpr uint32_t kGuestEflags = 0x202;            // real IF=1, IOPL=0: the guest cannot mask the host
}  // namespace layout

// General-purpose register access by Capstone register id, so instruction emulation does not
// depend on how the CPU is provided.
class RegisterFile {
public:
    virtual ~RegisterFile() = default;
    virtual uint32_t get(int capstone_reg) const = 0;
    virtual void set(int capstone_reg, uint32_t value) = 0;
};

class GuestMachine : public RegisterFile {
public:
    GuestMachine();  // throws vl::Error(System) when Unicorn refuses
    ~GuestMachine() override;
    GuestMachine(const GuestMachine&) = delete;
    GuestMachine& operator=(const GuestMachine&) = delete;

    uc_engine* uc() const { return uc_; }

    // Copies the image into RAM and writes the Multiboot information structure.
    void load(const GuestImage& image);
    // Runs the iret trampoline at ring 0 and stops at `entry`, now at `ring` (1 for the trap and
    // bt monitors; 0 for the hw monitor, whose guest runs at ring 0 of non-root operation, on the
    // flat ring-0 boot segments kMonitorCodeSelector/kMonitorDataSelector); then makes the
    // monitor region read-only and remembers this state as the clean context.
    void enter(const GuestImage& image, int ring = layout::kGuestRing);

    uint32_t reg(int uc_reg) const;
    void setReg(int uc_reg, uint32_t value);
    uint32_t eip() const { return reg(UC_X86_REG_EIP); }
    int realCpl() const { return static_cast<int>(reg(UC_X86_REG_CS) & 3); }
    int iopl() const { return static_cast<int>((reg(UC_X86_REG_EFLAGS) >> 12) & 3); }

    // Up to `max` bytes at `address` (fewer at the end of mapped memory).
    std::vector<uint8_t> read(uint32_t address, size_t max) const;

    // Unicorn keeps the vector of a fault its hook handled as the "previous exception", so the
    // next contributory fault is escalated to #DF and the one after that shuts the CPU down
    // (upstream issue #1883). Restoring the context saved at guest entry resets that state;
    // the guest's registers (general, flags, data segments, x87 and SSE) are carried across.
    // At ring 3 it does nothing: the fault is on its way to the guest kernel, and enterKernel()
    // (which restores the same context) moves the CPU there.
    void clearStaleException();

    // Moves the CPU from a guest user task at ring 3 into the guest kernel's ring, at CS:EIP
    // on SS:ESP with EFLAGS: what a gate does on a real CPU. Unicorn takes the CPL from SS and
    // refuses, from ring 3, an SS of a more privileged ring (uc_check_cpu_x86_load_seg), so the
    // monitor restores the clean context saved at guest entry -- which is at the kernel's ring,
    // and also clears Unicorn's stale exception state -- carries the guest's registers, tables,
    // control registers and data segments across, and then loads the kernel's selectors.
    // False when the kernel's SS or CS is no usable segment.
    bool enterKernel(uint16_t cs, uint32_t eip, uint16_t ss, uint32_t esp, uint32_t eflags);

    // Ring compression of the guest's GDT: copies its code and data descriptors into the real
    // GDT's guest entries with DPL 0 raised to the guest's real ring (system descriptors are
    // dropped: this machine has no task switching). Returns false when the table is larger
    // than the guest entries.
    bool installGuestGdt(const std::vector<uint64_t>& descriptors);

    // Writes to guest memory at a linear address as the CPU would; false where nothing of the
    // guest's is mapped (and always in the monitor's top 4 MiB).
    bool writeGuest(uint32_t address, const void* data, size_t size);
    bool readGuest(uint32_t address, void* data, size_t size) const;

    // Guest-physical RAM, 0 .. layout::kRamEnd: the host buffer behind every mapping of it.
    // Unicorn 2.0.1 walks page tables for their permission bits but then maps every linear
    // address to the same physical one (its excp_helper.c; unicorn-engine/unicorn#1953), so
    // a guest's paging is carried out by the monitor: it maps linear pages onto this buffer
    // itself (shadow_mmu.h). Paging off, linear 0x1000 .. kRamEnd maps it one to one.
    uint8_t* ram() { return ram_.get(); }
    bool readPhysical(uint32_t address, void* data, size_t size) const;
    bool writePhysical(uint32_t address, const void* data, size_t size);

    uint32_t get(int capstone_reg) const override;
    void set(int capstone_reg, uint32_t value) override;

private:
    // Restores the clean context with the guest's state carried across; the code and stack
    // segments too with `carry_cs_ss` (false: the caller loads the kernel's).
    void restoreCleanContext(bool carry_cs_ss);

    uc_engine* uc_ = nullptr;
    uc_context* clean_ = nullptr;
    // The context of the last enterKernel(), at the kernel's ring, and the CR0/CR3/CR4 it was
    // saved with. Restoring it when they still hold spares the CR3 write that the clean context
    // needs, and with it a flush of Unicorn's TLB (measured: flushes dominated a run whose
    // tasks are interrupted at ring 3 a few hundred times, 9 s of 10 s of CPU).
    uc_context* kernel_entry_ = nullptr;
    uint64_t kernel_entry_control_[3] = {};
    struct RamRelease {
        void operator()(uint8_t* ram) const;
    };
    // mmap'd: page aligned and zeroed. Released after the destructor's uc_close.
    std::unique_ptr<uint8_t, RamRelease> ram_;
};

// "uc_mem_map: Invalid memory mapping (UC_ERR_MAP)"-style context for a failed Unicorn call.
[[noreturn]] void throwUnicorn(const std::string& what, uc_err err);

}  // namespace vl::vm
