// The three ways a monitor can get between a guest kernel and the machine, and the VT-x-style
// controls of the third. One monitor core (virtual CPU, devices, interrupt delivery) serves
// all three; only the way sensitive instructions reach it differs:
//   trap  the guest kernel runs at ring 1 and privileged instructions fault (Popek & Goldberg);
//         the sensitive, unprivileged ones (popf, pushf, sgdt, sidt, smsw, mov r, cs) slip by.
//   bt    the guest kernel still runs at ring 1, but every block of its code is decoded before
//         it first runs and each sensitive instruction in it is replaced by a call into the
//         monitor (VMware's binary translator, 1999); nothing slips by.
//   hw    the guest kernel runs at ring 0 on a CPU with VT-x-style non-root operation: it owns
//         IF, GDTR, IDTR and CR0, and only what the VMCS controls select exits, with the Intel
//         SDM's exit reason and qualification.
//   pv    the guest kernel is ported to a Xen-style hypervisor (the -DPARAVIRT build): it runs
//         in ring 1, asks for privileged work with hypercalls and masks events in a shared
//         page (trapsim/pv/xen_hypervisor.h).
//   emulate  no monitor at all: the machine is emulated whole, the guest at (virtual) ring 0,
//         every device access handled in software; nothing traps or exits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/engine.h"

namespace vl::vm {

enum class MonitorMode { Trap, BinaryTranslation, HardwareAssisted, Paravirtual, Emulate };
constexpr MonitorMode kMonitorModes[] = {MonitorMode::Trap, MonitorMode::BinaryTranslation,
                                        MonitorMode::HardwareAssisted, MonitorMode::Paravirtual,
                                        MonitorMode::Emulate};

std::string modeName(MonitorMode mode);  // "trap", "bt", "hw", "pv", "emulate"
std::optional<MonitorMode> parseMode(const std::string& name);

// Basic exit reasons, Intel SDM Vol. 3, Appendix C.
enum class ExitReason : uint32_t {
    ExceptionOrNmi = 0,
    ExternalInterrupt = 1,
    TripleFault = 2,
    InterruptWindow = 7,
    Cpuid = 10,
    Hlt = 12,
    Invlpg = 14,
    Rdtsc = 16,
    Vmcall = 18,
    CrAccess = 28,
    IoInstruction = 30,
    Rdmsr = 31,
    Wrmsr = 32,
};
constexpr ExitReason kExitReasons[] = {
    ExitReason::ExceptionOrNmi, ExitReason::ExternalInterrupt, ExitReason::TripleFault, ExitReason::InterruptWindow,
    ExitReason::Cpuid,          ExitReason::Hlt,               ExitReason::Invlpg,      ExitReason::Rdtsc,
    ExitReason::Vmcall,         ExitReason::CrAccess,          ExitReason::IoInstruction, ExitReason::Rdmsr,
    ExitReason::Wrmsr};

std::string exitReasonName(ExitReason reason);     // "HLT", "I/O instruction", ...
std::string exitCounterSuffix(ExitReason reason);  // "hlt", "io", ... for counters exits.<suffix>

// The VMCS execution controls this monitor models (Intel SDM Vol. 3 §24.6). CPUID, VMCALL and
// triple faults exit unconditionally, as on the real thing.
struct VmcsControls {
    bool hlt_exiting = true;               // otherwise the CPU sleeps in the guest until the next external interrupt exits
    bool unconditional_io_exiting = true;  // every in/out exits
    bool use_io_bitmaps = false;           // overrides the above: only the ports listed exit
    std::vector<uint16_t> io_bitmap;       // the ports whose bit is set
    bool rdmsr_exiting = true;             // the MSR bitmaps, all ones
    bool wrmsr_exiting = true;
    bool cr3_load_exiting = true;
    bool cr0_write_exiting = true;         // models a CR0 guest/host mask that owns PE and PG
    bool invlpg_exiting = true;
    bool rdtsc_exiting = false;
    uint32_t exception_bitmap = 0;         // bit n: exception n exits before it reaches the guest's IDT

    bool portExits(uint16_t port) const;

    // The controls as a VMM would program them into the VMCS, for `vm run --mode hw` and the
    // GUI: each with its VMCS field and bit (Intel SDM Vol. 3C §24.6.1 pin-based controls,
    // Table 24-5; §24.6.2 primary processor-based controls, Table 24-6; §24.6.3 exception
    // bitmap; §24.6.4 I/O bitmaps; §24.6.6 CR0 guest/host mask; §24.6.9 MSR bitmaps).
    struct Setting {
        std::string name;   // "HLT exiting"
        std::string field;  // "primary processor-based controls, bit 7"
        std::string value;  // "on", "off", "0x00004000", "ports 0x80"
        bool fixed;         // this monitor always sets it (not a VmcsControls member)
    };
    std::vector<Setting> settings() const;
};

// SDM Table 27-5: the exit qualification of an I/O instruction.
uint32_t ioExitQualification(uint16_t port, int size, bool in, bool string = false, bool rep = false,
                             bool immediate = false);
// SDM Table 27-3: the exit qualification of a control-register access (mov to/from CRn).
// `gpr` is the SDM's register number (0 EAX, 1 ECX, 2 EDX, 3 EBX, 4 ESP, 5 EBP, 6 ESI, 7 EDI).
uint32_t crExitQualification(int cr, bool to_cr, int gpr);

// What made the guest enter the monitor, by reason, from a run's counters: traps (callouts in
// bt) by instruction, or in hw exits by the SDM's name and number, "HLT (12)"; in pv the
// hypercalls by Xen's name ("hypercall console_io"), event upcalls and the few traps Xen
// still emulates; in emulate nothing (there is no monitor to enter). Zero rows are left out. The one table `vm run`, `vm compare` and the tour all show.
struct EntryCount {
    std::string reason;
    uint64_t count;
};
std::vector<EntryCount> entriesByReason(MonitorMode mode, const Counters& counters);

}  // namespace vl::vm
