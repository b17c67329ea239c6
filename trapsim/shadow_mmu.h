// Shadow paging: the monitor, not the guest, owns the page tables the CPU uses.
//
// The guest kernel builds its own page directory and tables (32-bit paging, 4 KiB pages,
// Intel SDM Vol. 3A §4.3) in its RAM and loads CR3 with their guest-physical address. The
// monitor never lets the CPU walk them. At every CR3 load, every INVLPG and every change of
// CR0.PG it reads them and builds what the CPU really uses:
//   * Unicorn's memory map: each linear page the guest maps is mapped onto the host buffer
//     of the guest-physical frame it names (runs of contiguous frames as one mapping). This
//     does the translation, because Unicorn 2.0.1 itself maps every linear address to the
//     same physical one (unicorn-engine/unicorn#1953; measured here: a page table entry
//     pointing 0x00800000 at 0x00300000 still accesses 0x00800000).
//   * real page tables, in monitor memory, that the CPU does walk for permissions: each
//     mapped page present with the guest's user and writable bits, the monitor's own
//     page (its GDT) supervisor read-only, everything else not present. Unicorn raises #PF
//     from these with CR2 set, exactly as a CPU walking them would.
// What the guest cannot do through its page tables:
//   * map a frame outside its RAM (the monitor's memory, or nothing): the entry is refused
//     and left not present, so the access faults and the monitor reflects the #PF to the
//     guest; the write never lands;
//   * map anything in the top 4 MiB, which the monitor keeps for itself in every address
//     space (as Xen does for its 32-bit guests);
//   * write its own page tables unseen: the pages holding its page directory and tables are
//     mapped read-only in the real tables (CR0.WP is set, so this binds ring 0 and ring 1
//     too). A write faults into the monitor, which counts it, lets the page be written until
//     the next resynchronisation, and resumes the guest. The guest's new entries take effect
//     at its next INVLPG or CR3 load -- which is exactly when x86 promises them to take
//     effect on a real TLB (SDM Vol. 3A §4.10.4.1), so a correct kernel cannot tell.
// This is the "virtual TLB" form of shadow paging (VMware's and early KVM's); the other
// modes use it too: under `hw` it is shadow paging with VT-x before EPT (CR3-load and
// INVLPG exits), under `emulate` it is the emulator's soft MMU. Not modelled: 4 MiB pages
// (PSE), PAE, the accessed and dirty bits, global pages.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trapsim/guest_machine.h"

namespace vl::vm {

class ShadowMmu {
public:
    explicit ShadowMmu(GuestMachine& machine);

    // Makes the CPU's view match the guest's paging state: paging off, linear = physical
    // (guest RAM one to one); on, the guest's page tables at guest-physical `cr3`. Returns an
    // empty string, or why the tables could not be shadowed (the run should end).
    std::string sync(bool paging, uint32_t cr3);
    bool paging() const { return paging_; }

    // The guest's own translation of a linear address, walked in its tables.
    struct GuestTranslation {
        bool present = false;     // both levels present
        bool writable = false;    // both levels R/W
        bool user = false;        // both levels U/S
        uint32_t frame = 0;       // the guest-physical address of the page
        bool frame_is_ram = false;
    };
    GuestTranslation translate(uint32_t linear) const;

    // After a real #PF at `linear`: true when it was a write to one of the guest's page-table
    // pages, which the monitor now lets through until the next sync (the caller resumes the
    // faulting instruction).
    bool admitPageTableWrite(uint32_t linear);

    // Unicorn checks its own memory map before it walks the page tables, so a linear page it
    // has nothing mapped at would end the run as "unmapped" instead of raising the guest's
    // #PF. Called from that hook: maps the page onto a sink page (never reached: its real
    // entry is not present) so that the access, retried, faults as on a CPU. False outside
    // the guest's part of the address space or with paging off.
    bool mapFaultingPage(uint32_t linear);

    uint64_t syncs() const { return syncs_; }
    uint64_t pageTableWrites() const { return page_table_writes_; }
    uint64_t refusedMappings() const { return refused_; }  // entries naming frames outside RAM (last sync)
    uint64_t mappedPages() const { return mapped_pages_; }  // linear pages mapped (last sync)

private:
    static constexpr uint32_t kSinkFrame = 0xFFFFFFFF;
    struct Region {  // one Unicorn mapping: linear pages onto consecutive guest-physical frames
        uint32_t linear;
        uint32_t size;
        uint32_t frame;  // or kSinkFrame: mapFaultingPage's
        bool operator==(const Region&) const = default;
    };
    struct Page {
        uint32_t linear;
        uint32_t frame;
        uint32_t flags;  // real PTE flags: present, R/W, U/S
    };
    std::vector<Page> guestPages(uint32_t cr3, std::vector<uint32_t>& table_frames);
    void applyRegions(const std::vector<Region>& wanted);
    std::string writeRealTables(const std::vector<Page>& pages);
    void setRealPaging(bool on);

    struct SinkRelease {
        void operator()(uint8_t* page) const;
    };
    GuestMachine& machine_;
    std::unique_ptr<uint8_t, SinkRelease> sink_;  // one zeroed host page behind every faulting mapping
    bool paging_ = false;
    uint32_t cr3_ = 0;
    std::vector<Region> regions_;             // what is mapped in Unicorn now
    std::vector<uint32_t> table_frames_;      // guest-physical frames of the guest's PD and PTs
    uint64_t syncs_ = 0;
    uint64_t page_table_writes_ = 0;
    uint64_t refused_ = 0;
    uint64_t mapped_pages_ = 0;
};

}  // namespace vl::vm
