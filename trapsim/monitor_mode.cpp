#include "trapsim/monitor_mode.h"

#include <algorithm>
#include <cstdio>

namespace vl::vm {

std::string modeName(MonitorMode mode) {
    switch (mode) {
    case MonitorMode::Trap: return "trap";
    case MonitorMode::BinaryTranslation: return "bt";
    case MonitorMode::HardwareAssisted: return "hw";
    case MonitorMode::Paravirtual: return "pv";
    case MonitorMode::Emulate: return "emulate";
    }
    return "trap";
}

std::optional<MonitorMode> parseMode(const std::string& name) {
    for (MonitorMode m : kMonitorModes)
        if (modeName(m) == name) return m;
    return std::nullopt;
}

std::string exitReasonName(ExitReason reason) {
    switch (reason) {
    case ExitReason::ExceptionOrNmi: return "exception or NMI";
    case ExitReason::ExternalInterrupt: return "external interrupt";
    case ExitReason::TripleFault: return "triple fault";
    case ExitReason::InterruptWindow: return "interrupt window";
    case ExitReason::Cpuid: return "CPUID";
    case ExitReason::Hlt: return "HLT";
    case ExitReason::Invlpg: return "INVLPG";
    case ExitReason::Rdtsc: return "RDTSC";
    case ExitReason::Vmcall: return "VMCALL";
    case ExitReason::CrAccess: return "control-register access";
    case ExitReason::IoInstruction: return "I/O instruction";
    case ExitReason::Rdmsr: return "RDMSR";
    case ExitReason::Wrmsr: return "WRMSR";
    }
    return "unknown";
}

std::string exitCounterSuffix(ExitReason reason) {
    switch (reason) {
    case ExitReason::ExceptionOrNmi: return "exception";
    case ExitReason::ExternalInterrupt: return "external_interrupt";
    case ExitReason::TripleFault: return "triple_fault";
    case ExitReason::InterruptWindow: return "interrupt_window";
    case ExitReason::Cpuid: return "cpuid";
    case ExitReason::Hlt: return "hlt";
    case ExitReason::Invlpg: return "invlpg";
    case ExitReason::Rdtsc: return "rdtsc";
    case ExitReason::Vmcall: return "vmcall";
    case ExitReason::CrAccess: return "cr_access";
    case ExitReason::IoInstruction: return "io";
    case ExitReason::Rdmsr: return "rdmsr";
    case ExitReason::Wrmsr: return "wrmsr";
    }
    return "unknown";
}

bool VmcsControls::portExits(uint16_t port) const {
    if (use_io_bitmaps) return std::find(io_bitmap.begin(), io_bitmap.end(), port) != io_bitmap.end();
    return unconditional_io_exiting;
}

std::vector<VmcsControls::Setting> VmcsControls::settings() const {
    auto onOff = [](bool on) { return std::string(on ? "on" : "off"); };
    char bitmap[16];
    std::snprintf(bitmap, sizeof bitmap, "0x%08x", exception_bitmap);
    std::string ports;
    for (uint16_t port : io_bitmap) {
        char one[12];
        std::snprintf(one, sizeof one, "%s0x%x", ports.empty() ? "" : " ", port);
        ports += one;
    }
    const char* pin = "pin-based controls, bit ";
    const char* primary = "primary processor-based controls, bit ";
    return {
        // Always on here: the monitor takes every timer tick (the PIT is its device) and asks
        // for an exit when an interrupt waits for the guest's IF.
        {"external-interrupt exiting", std::string(pin) + "0", "on", true},
        {"interrupt-window exiting", std::string(primary) + "2", "on when an interrupt waits", true},
        {"HLT exiting", std::string(primary) + "7", onOff(hlt_exiting), false},
        {"INVLPG exiting", std::string(primary) + "9", onOff(invlpg_exiting), false},
        {"RDTSC exiting", std::string(primary) + "12", onOff(rdtsc_exiting), false},
        {"CR3-load exiting", std::string(primary) + "15", onOff(cr3_load_exiting), false},
        // No EPT here (Unicorn cannot nest a second translation), so a paging guest gets shadow
        // page tables, and the monitor must show it its own CR3 (shadow_mmu.h).
        {"CR3-store exiting", std::string(primary) + "16", "on while the guest pages", true},
        {"unconditional I/O exiting", std::string(primary) + "24", onOff(unconditional_io_exiting), false},
        {"use I/O bitmaps", std::string(primary) + "25",
         use_io_bitmaps ? "on: ports " + (ports.empty() ? std::string("none") : ports) : "off", false},
        // "Use MSR bitmaps" off makes every RDMSR and WRMSR exit; on, with the bitmaps all
        // ones or all zeros per direction, models the two members.
        {"RDMSR exiting (MSR read bitmaps)", "MSR bitmaps, read halves", onOff(rdmsr_exiting), false},
        {"WRMSR exiting (MSR write bitmaps)", "MSR bitmaps, write halves", onOff(wrmsr_exiting), false},
        {"CR0 guest/host mask", "CR0 guest/host mask: PE (bit 0) and PG (bit 31) owned by the monitor",
         onOff(cr0_write_exiting), false},
        {"exception bitmap", "exception bitmap (bit n: vector n exits)", bitmap, false},
        // Exit unconditionally on every VT-x processor (SDM Vol. 3C §25.1.2; triple fault §25.2).
        {"CPUID, VMCALL, triple fault", "unconditional", "always exit", true},
    };
}

uint32_t ioExitQualification(uint16_t port, int size, bool in, bool string, bool rep, bool immediate) {
    return static_cast<uint32_t>(size - 1) | (in ? 1u << 3 : 0) | (string ? 1u << 4 : 0) | (rep ? 1u << 5 : 0) |
           (immediate ? 1u << 6 : 0) | (static_cast<uint32_t>(port) << 16);
}

uint32_t crExitQualification(int cr, bool to_cr, int gpr) {
    return static_cast<uint32_t>(cr & 0xF) | (to_cr ? 0u : 1u << 4) | (static_cast<uint32_t>(gpr & 0xF) << 8);
}

std::vector<EntryCount> entriesByReason(MonitorMode mode, const Counters& counters) {
    std::vector<EntryCount> rows;
    if (mode == MonitorMode::HardwareAssisted) {
        for (ExitReason r : kExitReasons) {
            const auto it = counters.find("exits." + exitCounterSuffix(r));
            if (it != counters.end() && it->second > 0)
                rows.push_back({exitReasonName(r) + " (" + std::to_string(static_cast<uint32_t>(r)) + ")", it->second});
        }
        return rows;
    }
    if (mode == MonitorMode::Emulate) return rows;
    if (mode == MonitorMode::Paravirtual) {
        for (const auto& [name, value] : counters)
            if (name.starts_with("hypercalls.") && value > 0) rows.push_back({"hypercall " + name.substr(11), value});
        const auto upcalls = counters.find("upcalls");
        if (upcalls != counters.end() && upcalls->second > 0) rows.push_back({"event upcall", upcalls->second});
        const auto exceptions = counters.find("exceptions_reflected");
        if (exceptions != counters.end() && exceptions->second > 0)
            rows.push_back({"exception bounced", exceptions->second});
    }
    for (const auto& [name, value] : counters)
        if (name.starts_with("traps.") && value > 0) rows.push_back({name.substr(6), value});
    return rows;
}

}  // namespace vl::vm
