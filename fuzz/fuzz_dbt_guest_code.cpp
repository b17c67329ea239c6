// libFuzzer target: any bytes as guest code for the x86 -> AArch64 translator.
//
// Every input is translated block after block, from each of its first 4 byte offsets (so
// misaligned decodes are covered too); each block must come out consistent or say why it
// stops ("unsupported instruction ..."). One input in eight is also run on the real DBT
// engine (Unicorn's ARM64 CPU), which must end by itself -- finished, or failed with a
// reason -- and never crash VirtLab or hang. Creating a Unicorn CPU costs milliseconds, so
// running every input would make the fuzzer a hundred times slower for little gain.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/engine.h"
#include "core/error.h"
#include "emulator/dbt/dbt_engine.h"
#include "emulator/dbt/translator.h"
#include "emulator/guest_loader.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr uint32_t kBase = 0x00400000;
constexpr uint64_t kHostBase = 0x10000000;

void checkBlock(const vl::emu::dbt::TranslatedBlock& block, uint32_t start) {
    if (block.guest_start != start || block.guest_end < block.guest_start) std::abort();
    if (block.body_words > block.code.size() || block.map.size() != block.insns.size()) std::abort();
    for (const auto& m : block.map)
        if (m.arm64_first + m.arm64_count > block.code.size()) std::abort();
    if (block.guest_end == block.guest_start && !block.stop_message) std::abort();  // no progress, no reason
}

void translateAll(const std::vector<uint8_t>& code) {
    static const vl::emu::dbt::X86Decoder decoder;
    const vl::emu::dbt::CodeFetch fetch = [&](uint32_t address, uint8_t* out, size_t want) -> size_t {
        if (address < kBase || address - kBase >= code.size()) return 0;
        const size_t n = std::min(want, code.size() - (address - kBase));
        std::memcpy(out, code.data() + (address - kBase), n);
        return n;
    };
    for (uint32_t first = 0; first < std::min<size_t>(code.size(), 4); ++first) {
        uint32_t at = kBase + first;
        while (at - kBase < code.size()) {
            const uint32_t before = at;
            vl::fuzz::expectOnlyInputErrors([&] {
                const auto block = vl::emu::dbt::translateBlock(decoder, fetch, at, kHostBase);
                checkBlock(block, at);
                at = block.guest_end;
            });
            if (at == before) ++at;  // nothing fetched, or a stop at the first byte: go on after it
        }
    }
}

void runOnEngine(const std::vector<uint8_t>& code) {
    vl::fuzz::expectOnlyInputErrors([&] {
        vl::emu::EmulationOptions options;
        options.max_instructions = 20000;
        vl::emu::DbtEngine engine(vl::emu::flatImage(code, "fuzz.bin"), options);
        engine.run(40000);
        const vl::RunState state = engine.state();
        // A budget far above max_instructions: the run has ended by itself.
        if (state != vl::RunState::Finished && state != vl::RunState::Failed) std::abort();
        if (state == vl::RunState::Failed && engine.failure().empty()) std::abort();
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0 || size > 1024) return -1;  // reject: an empty or oversized program says nothing new
    const std::vector<uint8_t> code(data, data + size);
    translateAll(code);
    if (data[0] % 8 == 0) runOnEngine(code);
    return 0;
}
