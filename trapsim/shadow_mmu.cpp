#include "trapsim/shadow_mmu.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>

#include "core/error.h"

namespace vl::vm {
namespace {

// 32-bit paging entries (Intel SDM Vol. 3A §4.3, Tables 4-5 and 4-6).
constexpr uint32_t kPresent = 1u << 0;
constexpr uint32_t kWritable = 1u << 1;
constexpr uint32_t kUser = 1u << 2;
constexpr uint32_t kPageSize = 1u << 7;  // in a PDE: a 4 MiB page (CR4.PSE), not modelled
constexpr uint32_t kFrameMask = 0xFFFFF000;
constexpr uint32_t kPage = 0x1000;
constexpr uint32_t kCr0Wp = 1u << 16;  // write protect: supervisor writes honour R/W
constexpr uint32_t kCr0Pg = 1u << 31;
constexpr int kMonitorPde = 1023;      // the top 4 MiB: layout::kMonitorLinearBase
constexpr int kEntries = 1024;

bool isRam(uint32_t frame) { return frame >= layout::kRamFirstMapped && frame < layout::kRamEnd; }

}  // namespace

void ShadowMmu::SinkRelease::operator()(uint8_t* page) const { munmap(page, kPage); }

ShadowMmu::ShadowMmu(GuestMachine& machine) : machine_(machine) {
    void* sink = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sink == MAP_FAILED) throwErrno("allocate the shadow MMU's sink page");
    sink_.reset(static_cast<uint8_t*>(sink));
    // GuestMachine maps guest RAM one to one at start-up: paging is off.
    regions_.push_back({layout::kRamFirstMapped, layout::kRamEnd - layout::kRamFirstMapped, layout::kRamFirstMapped});
}

std::string ShadowMmu::sync(bool paging, uint32_t cr3) {
    ++syncs_;
    paging_ = paging;
    cr3_ = cr3;
    if (!paging) {
        table_frames_.clear();
        refused_ = 0;
        mapped_pages_ = (layout::kRamEnd - layout::kRamFirstMapped) / kPage;
        applyRegions({{layout::kRamFirstMapped, layout::kRamEnd - layout::kRamFirstMapped, layout::kRamFirstMapped}});
        setRealPaging(false);
        return {};
    }
    std::vector<uint32_t> tables;
    std::vector<Page> pages = guestPages(cr3, tables);
    table_frames_ = std::move(tables);
    // The guest's page tables are read-only to it in the real tables: a write to one traps.
    for (Page& page : pages)
        if (std::find(table_frames_.begin(), table_frames_.end(), page.frame) != table_frames_.end())
            page.flags &= ~kWritable;
    mapped_pages_ = pages.size();
    std::vector<Region> wanted;
    for (const Page& page : pages) {
        if (!wanted.empty() && wanted.back().linear + wanted.back().size == page.linear &&
            wanted.back().frame + wanted.back().size == page.frame)
            wanted.back().size += kPage;
        else
            wanted.push_back({page.linear, kPage, page.frame});
    }
    applyRegions(wanted);
    if (std::string why = writeRealTables(pages); !why.empty()) return why;
    setRealPaging(true);
    return {};
}

std::vector<ShadowMmu::Page> ShadowMmu::guestPages(uint32_t cr3, std::vector<uint32_t>& table_frames) {
    std::vector<Page> pages;
    refused_ = 0;
    const uint32_t directory = cr3 & kFrameMask;
    std::array<uint32_t, kEntries> pd{};
    if (!isRam(directory) || !machine_.readPhysical(directory, pd.data(), sizeof pd)) {
        ++refused_;  // a CR3 outside guest RAM: nothing is mapped, every access faults
        return pages;
    }
    table_frames.push_back(directory);
    for (int pdi = 0; pdi < kMonitorPde; ++pdi) {
        const uint32_t pde = pd[pdi];
        if (!(pde & kPresent)) continue;
        const uint32_t table = pde & kFrameMask;
        if ((pde & kPageSize) || !isRam(table)) {
            ++refused_;
            continue;
        }
        if (std::find(table_frames.begin(), table_frames.end(), table) == table_frames.end())
            table_frames.push_back(table);
        std::array<uint32_t, kEntries> pt{};
        machine_.readPhysical(table, pt.data(), sizeof pt);
        for (int pti = 0; pti < kEntries; ++pti) {
            const uint32_t pte = pt[pti];
            if (!(pte & kPresent)) continue;
            const uint32_t frame = pte & kFrameMask;
            if (!isRam(frame)) {
                ++refused_;  // the monitor's memory, or no memory at all: left not present
                continue;
            }
            const uint32_t rights = pde & pte & (kWritable | kUser);
            pages.push_back({static_cast<uint32_t>(pdi) << 22 | static_cast<uint32_t>(pti) << 12, frame,
                             kPresent | rights});
        }
    }
    return pages;
}

void ShadowMmu::applyRegions(const std::vector<Region>& wanted) {
    uc_engine* uc = machine_.uc();
    for (const Region& r : regions_) {
        if (std::find(wanted.begin(), wanted.end(), r) != wanted.end()) continue;
        uc_ctl_remove_cache(uc, r.linear, static_cast<uint64_t>(r.linear) + r.size);
        if (const uc_err err = uc_mem_unmap(uc, r.linear, r.size); err != UC_ERR_OK)
            throwUnicorn("unmap a guest mapping", err);
    }
    for (const Region& r : wanted) {
        if (std::find(regions_.begin(), regions_.end(), r) != regions_.end()) continue;
        if (const uc_err err = uc_mem_map_ptr(uc, r.linear, r.size, UC_PROT_ALL,
                                              r.frame == kSinkFrame ? sink_.get() : machine_.ram() + r.frame);
            err != UC_ERR_OK)
            throwUnicorn("map a guest page", err);
    }
    regions_ = wanted;
    // Translated code is keyed by where Unicorn found it (the RAM block's offset, which a new
    // mapping may reuse): each region's translations were dropped above, before it went, while
    // the CPU could still reach it. Flushing the whole cache instead (uc_ctl_flush_tlb, which in
    // Unicorn 2.0.1 is tb_flush) clears its entire code buffer: measured at about 50 ms a sync,
    // 8 of the 10 s of CPU of a kernel that switches address spaces at every timer tick.
}

std::string ShadowMmu::writeRealTables(const std::vector<Page>& pages) {
    // Pool page 0 is the directory, page 1 the monitor's table, pages 2.. the guest's.
    constexpr int kFirstGuestTable = 2;
    std::array<uint32_t, kEntries> pd{};
    std::vector<std::array<uint32_t, kEntries>> tables(1);
    // The monitor's GDT (and its empty IDT) page: the CPU reads descriptors through it.
    tables[0][(layout::kGdtAddress >> 12) & 0x3FF] = (layout::kGdtAddress & kFrameMask) | kPresent;
    pd[kMonitorPde] = (layout::kShadowPoolBase + kPage) | kPresent | kWritable;
    std::array<int, kEntries> table_of{};
    table_of.fill(-1);
    for (const Page& page : pages) {
        const uint32_t pdi = page.linear >> 22;
        if (table_of[pdi] < 0) {
            if (static_cast<int>(tables.size()) + 1 >= layout::kShadowPoolPages)
                return "the guest maps more than " + std::to_string(layout::kShadowPoolPages - kFirstGuestTable) +
                       " page directory entries, more than the monitor's shadow page-table pool holds";
            table_of[pdi] = static_cast<int>(tables.size());
            tables.emplace_back();
            // Directory entries allow everything; the combined rights are in each table entry.
            pd[pdi] = (layout::kShadowPoolBase + kPage * static_cast<uint32_t>(table_of[pdi] + 1)) | kPresent |
                      kWritable | kUser;
        }
        // Unicorn maps linear to physical one to one: the real entry names the linear page.
        tables[static_cast<size_t>(table_of[pdi])][(page.linear >> 12) & 0x3FF] = page.linear | page.flags;
    }
    uc_engine* uc = machine_.uc();
    if (uc_mem_write(uc, layout::kShadowPoolBase, pd.data(), sizeof pd) != UC_ERR_OK)
        return "cannot write the shadow page directory";
    for (size_t i = 0; i < tables.size(); ++i)
        if (uc_mem_write(uc, layout::kShadowPoolBase + kPage * static_cast<uint32_t>(i + 1), tables[i].data(),
                         sizeof tables[i]) != UC_ERR_OK)
            return "cannot write a shadow page table";
    return {};
}

void ShadowMmu::setRealPaging(bool on) {
    uint64_t cr0 = 0;
    uc_reg_read(machine_.uc(), UC_X86_REG_CR0, &cr0);
    cr0 = on ? (cr0 | kCr0Pg | kCr0Wp) : (cr0 & ~static_cast<uint64_t>(kCr0Pg));
    uint64_t cr3 = on ? layout::kShadowPoolBase : 0;
    // CR3 first, so paging never starts on a stale directory; loading it flushes the TLB.
    uc_reg_write(machine_.uc(), UC_X86_REG_CR3, &cr3);
    uc_reg_write(machine_.uc(), UC_X86_REG_CR0, &cr0);
}

ShadowMmu::GuestTranslation ShadowMmu::translate(uint32_t linear) const {
    GuestTranslation t;
    if (!paging_) {
        t.present = t.writable = t.user = true;
        t.frame = linear & kFrameMask;
        t.frame_is_ram = isRam(t.frame);
        return t;
    }
    uint32_t pde = 0;
    uint32_t pte = 0;
    if (!machine_.readPhysical((cr3_ & kFrameMask) + (linear >> 22) * 4, &pde, 4) || !(pde & kPresent) ||
        (pde & kPageSize))
        return t;
    if (!machine_.readPhysical((pde & kFrameMask) + ((linear >> 12) & 0x3FF) * 4, &pte, 4) || !(pte & kPresent))
        return t;
    t.present = true;
    t.writable = (pde & pte & kWritable) != 0;
    t.user = (pde & pte & kUser) != 0;
    t.frame = pte & kFrameMask;
    t.frame_is_ram = isRam(t.frame);
    return t;
}

bool ShadowMmu::mapFaultingPage(uint32_t linear) {
    if (!paging_ || linear < layout::kRamFirstMapped || linear >= layout::kMonitorLinearBase) return false;
    const uint32_t page = linear & kFrameMask;
    if (uc_mem_map_ptr(machine_.uc(), page, kPage, UC_PROT_ALL, sink_.get()) != UC_ERR_OK) return false;
    regions_.push_back({page, kPage, kSinkFrame});  // dropped at the next sync
    return true;
}

bool ShadowMmu::admitPageTableWrite(uint32_t linear) {
    if (!paging_ || linear >= layout::kMonitorLinearBase) return false;
    const GuestTranslation t = translate(linear);
    if (!t.present || !t.writable || !t.frame_is_ram ||
        std::find(table_frames_.begin(), table_frames_.end(), t.frame) == table_frames_.end())
        return false;
    uc_engine* uc = machine_.uc();
    uint32_t pde = 0;
    if (uc_mem_read(uc, layout::kShadowPoolBase + (linear >> 22) * 4, &pde, 4) != UC_ERR_OK || !(pde & kPresent))
        return false;
    const uint32_t at = (pde & kFrameMask) + ((linear >> 12) & 0x3FF) * 4;
    uint32_t pte = 0;
    if (uc_mem_read(uc, at, &pte, 4) != UC_ERR_OK || !(pte & kPresent) || (pte & kWritable)) return false;
    pte |= kWritable;
    uc_mem_write(uc, at, &pte, 4);
    uint64_t cr3 = layout::kShadowPoolBase;
    uc_reg_write(uc, UC_X86_REG_CR3, &cr3);  // reloading CR3 drops the read-only translation the CPU cached
    ++page_table_writes_;
    return true;
}

}  // namespace vl::vm
