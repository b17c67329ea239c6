#include "emulator/dbt/lockstep.h"

#include <cstdio>

#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/host_abi.h"
#include "emulator/disassembler.h"

namespace vl::emu::dbt {
namespace {

constexpr struct {
    uint32_t bit;
    const char* name;
} kFlags[] = {{0x1, "CF"}, {0x4, "PF"}, {0x10, "AF"}, {0x40, "ZF"}, {0x80, "SF"}, {0x800, "OF"}};

const char* stateName(RunState s) {
    switch (s) {
    case RunState::Ready: return "ready";
    case RunState::Paused: return "running";
    case RunState::Finished: return "exited";
    case RunState::Failed: return "failed";
    }
    return "?";
}

// `live_flags`: the EFLAGS bits the next code may read; the others are dead at this
// boundary (the translator need not have computed them) and are not compared.
std::optional<Divergence> compareRegisters(const X86Registers& d, const X86Registers& u, uint32_t live_flags) {
    const auto dn = d.named(), un = u.named();
    for (size_t i = 0; i < dn.size(); ++i) {
        if (dn[i].first == "eflags") continue;
        if (dn[i].second != un[i].second) return Divergence{0, 0, "register", dn[i].first, dn[i].second, un[i].second};
    }
    for (const auto& f : kFlags)
        if ((live_flags & f.bit) && (d.eflags & f.bit) != (u.eflags & f.bit))
            return Divergence{0, 0, "flag", f.name, (d.eflags & f.bit) ? "1" : "0", (u.eflags & f.bit) ? "1" : "0"};
    return std::nullopt;
}

std::optional<Divergence> compareMemory(DbtEngine& dbt, UnicornX86Engine& ref, const std::vector<MemoryRange>& ranges) {
    for (const MemoryRange& r : ranges) {
        std::vector<uint8_t> a(r.length), b(r.length);
        const bool on_dbt = dbt.readGuestMemory(r.address, a.data(), a.size());
        const bool on_ref = ref.readGuestMemory(r.address, b.data(), b.size());
        if (on_dbt != on_ref) return Divergence{0, 0, "memory", hex32(r.address), on_dbt ? "mapped" : "unmapped", on_ref ? "mapped" : "unmapped"};
        for (uint32_t i = 0; i < r.length; ++i)
            if (a[i] != b[i]) {
                char dv[8], uv[8];
                std::snprintf(dv, sizeof dv, "0x%02x", a[i]);
                std::snprintf(uv, sizeof uv, "0x%02x", b[i]);
                return Divergence{0, 0, "memory", hex32(r.address + i), dv, uv};
            }
    }
    return std::nullopt;
}

}  // namespace

std::string Divergence::message() const {
    return "after the block at " + hex32(block) + " (" + std::to_string(guest_instructions) + " instructions): " + kind + " " +
           name + " is " + dbt + " on the translator but " + unicorn + " on Unicorn x86";
}

CompareResult compareLockstep(const GuestImage& image, const EmulationOptions& options, const std::vector<MemoryRange>& memory,
                              uint64_t max_blocks) {
    EmulationOptions quiet = options;
    quiet.trace = false;
    quiet.count_block_hits = false;  // nothing reads them here, and they cost Unicorn slow-path memory accesses
    DbtEngine dbt(image, quiet);
    UnicornX86Engine ref(image, quiet);
    CompareResult result;
    auto diverged = [&](Divergence d, uint32_t block) {
        d.block = block;
        d.guest_instructions = dbt.guestInstructions();
        result.match = false;
        result.divergence = std::move(d);
    };
    for (uint64_t i = 0; i < max_blocks; ++i) {
        const uint32_t block = dbt.registers().eip;
        const uint64_t before = dbt.guestInstructions();
        const RunState ds = dbt.run(1);
        const uint64_t n = dbt.guestInstructions() - before;
        RunState us = n ? ref.run(n) : ref.state();
        // A fault stops the translator before the faulting instruction is counted; the x86
        // CPU gets to try that one instruction too, and must fail the same way.
        if (ds == RunState::Failed && us != RunState::Failed) us = ref.run(1);
        ++result.blocks_compared;
        result.guest_instructions = dbt.guestInstructions();
        result.dbt_failure = ds == RunState::Failed ? dbt.failure() : "";
        result.unicorn_failure = us == RunState::Failed ? ref.failure() : "";
        // A translator that stops (an unsupported instruction) has not diverged from x86; it
        // simply cannot go on. That is reported as a failure, not as a divergence.
        if (ds == RunState::Failed && us != RunState::Failed) break;
        if (ds == RunState::Failed && dbt.failure() != ref.failure()) {
            diverged({0, 0, "state", "failure", dbt.failure(), ref.failure()}, block);
            break;
        }
        if (ds != us) {
            diverged({0, 0, "state", "run", stateName(ds), stateName(us)}, block);
            break;
        }
        // A fault stops the translator at the start of its block, where the same rule holds.
        const uint32_t live = ds == RunState::Finished ? 0xFFFFFFFFu : eflagsMaskOf(dbt.flagsLiveAt(dbt.registers().eip));
        if (auto d = compareRegisters(dbt.registers(), ref.registers(), live)) {
            diverged(*d, block);
            break;
        }
        if (auto d = compareMemory(dbt, ref, memory)) {
            diverged(*d, block);
            break;
        }
        if (ds == RunState::Finished) {
            result.exited = true;
            result.exit_code = dbt.exitCode();
            if (dbt.exitCode() != ref.exitCode())
                diverged({0, 0, "exit_code", "status", std::to_string(dbt.exitCode()), std::to_string(ref.exitCode())}, block);
            else if (dbt.guestStdout() != ref.guestStdout())
                diverged({0, 0, "stdout", "text", dbt.guestStdout(), ref.guestStdout()}, block);
            break;
        }
        if (ds == RunState::Failed) break;  // both failed the same way at the same place
    }
    result.stdout_text = dbt.guestStdout();
    if (!result.dbt_failure.empty() && result.unicorn_failure.empty()) result.match = false;
    return result;
}

}  // namespace vl::emu::dbt
