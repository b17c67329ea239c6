#include "emulator/dbt/fuzz_batch.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "core/error.h"
#include "core/temp_dir.h"
#include "emulator/dbt/lockstep.h"
#include "emulator/nasm_assembler.h"

namespace vl::emu::dbt {
namespace {

// Generous: a case runs a few dozen blocks (the old per-case limit was 100,000 blocks).
constexpr uint64_t kBlocksPerCase = 100'000;

std::string caseLabel(size_t i) { return "fuzz_case_" + std::to_string(i); }

// The program: every case, then a table of where each one starts (and where the last ends),
// which NASM fills in, so the bytes tell which case a guest address belongs to.
std::string batchSource(const std::vector<FuzzCase>& cases) {
    std::string s = "org " + std::to_string(kFuzzBatchCodeAddress) + "\n";
    for (size_t i = 0; i < cases.size(); ++i)
        s += cases[i].code(caseLabel(i), i + 1 < cases.size() ? caseLabel(i + 1) : "");
    s += "fuzz_cases_end:\n";
    for (size_t i = 0; i < cases.size(); ++i) s += "        dd " + caseLabel(i) + "\n";
    s += "        dd fuzz_cases_end\n";
    return s;
}

// The cases' code read-only, the data area writable, nothing else: code that is never writable
// needs no write protection against self-modification on the translator, whose page-by-page
// uc_mem_protect would otherwise split (and copy) the mapping once per page of code.
GuestImage batchImage(std::vector<uint8_t> code) {
    GuestImage image;
    image.path = "fuzz batch";
    image.format = GuestFormat::Flat;
    image.entry = kFuzzBatchCodeAddress;
    GuestSegment text;
    text.vaddr = kFuzzBatchCodeAddress;
    text.mem_size = static_cast<uint32_t>(code.size());
    text.flags = kSegRead | kSegExec;
    text.bytes = std::move(code);
    GuestSegment data;
    data.vaddr = kFuzzDataAddress;
    data.mem_size = kFuzzDataSize;
    data.flags = kSegRead | kSegWrite;
    image.segments = {std::move(text), std::move(data)};
    return image;
}

uint32_t littleEndian32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }

// The first guest address in `text` ("... at 0x0040012a: idiv ecx") inside [begin, end).
std::optional<uint32_t> codeAddressIn(const std::string& text, uint32_t begin, uint32_t end) {
    for (size_t at = text.find("0x"); at != std::string::npos; at = text.find("0x", at + 2)) {
        const uint32_t value = static_cast<uint32_t>(std::strtoul(text.c_str() + at + 2, nullptr, 16));
        if (value >= begin && value < end) return value;
    }
    return std::nullopt;
}

}  // namespace

FuzzBatchResult runFuzzBatch(const std::vector<FuzzCase>& cases) {
    if (cases.empty() || cases.size() > kFuzzBatchCases)
        throw Error(Error::Kind::System, "fuzz batch of " + std::to_string(cases.size()) + " cases");
    std::vector<uint8_t> bytes;
    {
        TempDir dir("virtlab-fuzz");
        const std::string path = dir.path() + "/batch.asm";
        std::ofstream(path) << batchSource(cases);
        bytes = assembleNasm(path);
    }
    const size_t table_bytes = 4 * (cases.size() + 1);
    if (bytes.size() < table_bytes) throw Error(Error::Kind::System, "fuzz batch: NASM output shorter than its table");
    std::vector<uint32_t> starts;
    for (size_t i = 0; i <= cases.size(); ++i) starts.push_back(littleEndian32(bytes.data() + bytes.size() - table_bytes + 4 * i));
    const uint32_t code_end = starts.back();
    if (uint64_t(kFuzzBatchCodeAddress) + bytes.size() > kFuzzBatchCodeEnd)
        throw Error(Error::Kind::System, "fuzz batch: the cases' code runs past " + hex32(kFuzzBatchCodeEnd));

    const CompareResult r = compareLockstep(batchImage(std::move(bytes)), {}, {{kFuzzDataAddress, kFuzzDataSize}},
                                            kBlocksPerCase * cases.size());
    FuzzBatchResult out;
    out.guest_instructions = r.guest_instructions;
    if (r.match && r.exited) {
        out.matched = cases.size();
        return out;
    }
    // Which case it stopped in: the diverging block's address, or the failing instruction's.
    std::optional<uint32_t> where;
    if (r.divergence) where = r.divergence->block;
    else where = codeAddressIn(!r.dbt_failure.empty() ? r.dbt_failure : r.unicorn_failure, starts.front(), code_end);
    const std::string reason = r.divergence ? r.divergence->message()
                               : !r.match   ? "the translator stopped: " + r.dbt_failure
                                            : "both engines stopped: " + r.dbt_failure;
    if (!where || *where < starts.front() || *where >= code_end) {
        // Not attributable: the caller runs the cases alone to find it.
        out.diverged = true;
        out.attributed = false;
        out.reason = reason;
        return out;
    }
    const size_t index = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), *where) - starts.begin()) - 1;
    if (r.match) {
        // Both faulted the same way (as a case may, e.g. a #DE both raise): that case agreed,
        // and the cases after it did not run.
        out.matched = index + 1;
        return out;
    }
    out.matched = index;
    out.diverged = true;
    out.reason = reason;
    return out;
}

}  // namespace vl::emu::dbt
