// The bare machine under the monitors: entry at ring 1 through the iret trampoline, and the
// clean-context restore that keeps Unicorn from escalating later faults to #DF (issue #1883).
#include <gtest/gtest.h>

#include <vector>

#include "trapsim/guest_image.h"
#include "trapsim/guest_machine.h"

namespace vl::vm {
namespace {

GuestImage rawImage(std::vector<uint8_t> bytes) { return parseGuestImage("test.bin", std::move(bytes)); }

TEST(GuestMachine, EntersTheGuestAtRingOneWithInterruptsReallyOn) {
    const GuestImage image = rawImage({0x90});  // nop
    GuestMachine machine;
    machine.load(image);
    machine.enter(image);
    EXPECT_EQ(machine.eip(), 0x100000u);
    EXPECT_EQ(machine.realCpl(), 1);
    EXPECT_EQ(machine.reg(UC_X86_REG_CS), layout::kGuestCodeSelector);
    EXPECT_EQ(machine.reg(UC_X86_REG_SS), layout::kGuestDataSelector);
    EXPECT_EQ(machine.reg(UC_X86_REG_ESP), layout::kInitialStack);
    EXPECT_EQ(machine.reg(UC_X86_REG_EFLAGS) & 0x200, 0x200u);
    EXPECT_EQ(machine.iopl(), 0);
}

struct FaultLog {
    GuestMachine* machine;
    bool clear;
    std::vector<uint32_t> vectors;
};

void onFault(uc_engine* uc, uint32_t vector, void* user) {
    auto* log = static_cast<FaultLog*>(user);
    log->vectors.push_back(vector);
    const uint32_t eip = log->machine->eip();
    if (log->vectors.size() >= 3 || vector != 13) {
        uc_emu_stop(uc);
        return;
    }
    if (log->clear) log->machine->clearStaleException();
    log->machine->setReg(UC_X86_REG_EIP, eip + 1);  // skip the one-byte cli
}

TEST(GuestMachine, ClearingTheStaleExceptionKeepsEveryFaultAGeneralProtectionFault) {
    const GuestImage image = rawImage({0xFA, 0xFA, 0xFA, 0xF4});  // cli; cli; cli; hlt
    GuestMachine machine;
    machine.load(image);
    machine.enter(image);
    machine.setReg(UC_X86_REG_ECX, 0x1234);
    FaultLog log{&machine, true, {}};
    uc_hook h;
    ASSERT_EQ(uc_hook_add(machine.uc(), &h, UC_HOOK_INTR, reinterpret_cast<void*>(&onFault), &log, 1, 0), UC_ERR_OK);
    uc_emu_start(machine.uc(), machine.eip(), 0xFFFFFFFF, 0, 100);
    EXPECT_EQ(log.vectors, (std::vector<uint32_t>{13, 13, 13}));  // without the restore: 13, 8, then shutdown
    EXPECT_EQ(machine.reg(UC_X86_REG_ECX), 0x1234u) << "guest registers survive the restore";
    EXPECT_EQ(machine.realCpl(), 1);
}

TEST(GuestMachine, MonitorMemoryIsReadOnlyOnceTheGuestRuns) {
    const GuestImage image = rawImage({0x90});
    GuestMachine machine;
    machine.load(image);
    machine.enter(image);
    uc_mem_region* regions = nullptr;
    uint32_t count = 0;
    ASSERT_EQ(uc_mem_regions(machine.uc(), &regions, &count), UC_ERR_OK);
    bool found = false;
    for (uint32_t i = 0; i < count; ++i)
        if (regions[i].begin == layout::kMonitorBase) {
            found = true;
            EXPECT_EQ(regions[i].perms, static_cast<uint32_t>(UC_PROT_READ));
        }
    uc_free(regions);
    EXPECT_TRUE(found);
}

TEST(GuestMachine, ReadStopsAtTheEndOfMappedMemory) {
    const GuestImage image = rawImage({0x90});
    GuestMachine machine;
    machine.load(image);
    EXPECT_EQ(machine.read(layout::kRamEnd - 4, 16).size(), 4u);
    EXPECT_TRUE(machine.read(0, 16).empty());  // page 0 is not mapped
}

}  // namespace
}  // namespace vl::vm
