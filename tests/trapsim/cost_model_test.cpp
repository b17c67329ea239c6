// CostModel's parameters by name (the GUI's cost editor, lessons) and the VMCS-like controls
// as `vm run --mode hw` lists them.
#include <gtest/gtest.h>

#include <algorithm>

#include "trapsim/cost_model.h"
#include "trapsim/monitor_mode.h"

namespace {

using vl::vm::CostModel;
using vl::vm::VmcsControls;

TEST(CostModel, EveryListedParameterCanBeSetAndReadByItsName) {
    CostModel model;
    uint64_t value = 11;
    for (const auto& p : model.parameters()) {
        ASSERT_TRUE(model.set(p.name, value)) << p.name;
        EXPECT_EQ(model.get(p.name), value) << p.name;
        ++value;
    }
    // The setter reached the members parameters() reports, not a copy of them.
    value = 11;
    for (const auto& p : model.parameters()) EXPECT_EQ(p.value, value++) << p.name;
}

TEST(CostModel, AnUnknownNameIsRefusedAndChangesNothing) {
    CostModel model;
    const CostModel before;
    EXPECT_FALSE(model.set("vm_exit_cycle", 5));  // a typo of vm_exit_cycles
    EXPECT_FALSE(model.set("", 5));
    EXPECT_FALSE(model.get("trap_cycles").has_value());
    EXPECT_EQ(model.vm_exit_cycles, before.vm_exit_cycles);
    EXPECT_EQ(model.modeledCycles(vl::vm::MonitorMode::HardwareAssisted, 10, 2, 0),
              before.modeledCycles(vl::vm::MonitorMode::HardwareAssisted, 10, 2, 0));
}

TEST(CostModel, ASetParameterChangesTheModeledCycles) {
    CostModel model;
    ASSERT_TRUE(model.set("vm_exit_cycles", 500));
    EXPECT_EQ(model.modeledCycles(vl::vm::MonitorMode::HardwareAssisted, 1000, 4, 0), 1000u + 4u * 500u);
}

const VmcsControls::Setting* find(const std::vector<VmcsControls::Setting>& settings, const std::string& name) {
    const auto it = std::find_if(settings.begin(), settings.end(), [&](const auto& s) { return s.name == name; });
    return it == settings.end() ? nullptr : &*it;
}

TEST(VmcsControls, SettingsFollowTheControlsAndNameTheSdmBits) {
    VmcsControls controls;
    controls.hlt_exiting = false;
    controls.use_io_bitmaps = true;
    controls.io_bitmap = {0x80, 0x3f8};
    controls.exception_bitmap = 1u << 14;
    const auto settings = controls.settings();
    const auto* hlt = find(settings, "HLT exiting");
    ASSERT_NE(hlt, nullptr);
    EXPECT_EQ(hlt->value, "off");
    EXPECT_EQ(hlt->field, "primary processor-based controls, bit 7");
    const auto* cr3 = find(settings, "CR3-load exiting");
    ASSERT_NE(cr3, nullptr);
    EXPECT_EQ(cr3->value, "on");
    EXPECT_EQ(cr3->field, "primary processor-based controls, bit 15");
    const auto* bitmaps = find(settings, "use I/O bitmaps");
    ASSERT_NE(bitmaps, nullptr);
    EXPECT_EQ(bitmaps->value, "on: ports 0x80 0x3f8");
    const auto* exceptions = find(settings, "exception bitmap");
    ASSERT_NE(exceptions, nullptr);
    EXPECT_EQ(exceptions->value, "0x00004000");
}

}  // namespace
