#include "emulator/dbt/dbt_fuzzer.h"

#include <fstream>
#include <random>

#include "core/error.h"
#include "core/temp_dir.h"
#include "emulator/dbt/fuzz_batch.h"
#include "emulator/disassembler.h"
#include "emulator/guest_loader.h"

namespace vl::emu::dbt {
namespace {

const char* const kReg32[] = {"eax", "ecx", "edx", "ebx", "esi", "edi"};  // never esp/ebp
const char* const kReg16[] = {"ax", "cx", "dx", "bx", "si", "di"};
const char* const kReg8[] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
const char* const kAlu[] = {"add", "sub", "cmp", "and", "or", "xor", "test"};
const char* const kConds[] = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
// Values where flag logic goes wrong first.
const uint32_t kEdges[] = {0, 1, 2, 0xF, 0x10, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
                           0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF};

class Gen {
public:
    Gen(uint64_t seed, uint64_t index) : rng_(seed * 0x9E3779B97F4A7C15ull + index) {}

    uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
    template <class T, size_t N> const T& pick(const T (&a)[N]) { return a[below(N)]; }
    uint32_t value() { return below(2) ? pick(kEdges) : static_cast<uint32_t>(rng_()); }
    std::string hex(uint32_t v) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%x", v);
        return buf;
    }
    std::string r32() { return pick(kReg32); }
    std::string r16() { return pick(kReg16); }
    std::string r8() { return pick(kReg8); }
    std::string cond() { return pick(kConds); }
    std::string mem(const char* size, uint32_t width) {
        return std::string(size) + " [ebp + " + std::to_string(below(kFuzzDataSize - width + 1)) + "]";
    }
    std::string imm(uint32_t bits) { return hex(bits == 32 ? value() : value() & ((1u << bits) - 1)); }

    // A register or byte/word/dword memory operand of `size` bytes.
    std::string rm(uint32_t size, bool allow_mem = true) {
        const char* width = size == 1 ? "byte" : size == 2 ? "word" : "dword";
        if (allow_mem && below(3) == 0) return mem(width, size);
        return size == 1 ? r8() : size == 2 ? r16() : r32();
    }
    std::string reg(uint32_t size) { return size == 1 ? r8() : size == 2 ? r16() : r32(); }
    uint32_t size() { return 1u << below(3); }

    // The second slice of the ISA (issue 3): every instruction the translator gained.
    std::string more(std::vector<std::string>& body, unsigned& labels) {
        switch (below(21)) {
        case 0: {  // adc/sbb, every width and operand shape
            const uint32_t n = size();
            const std::string op = below(2) ? "adc " : "sbb ";
            return op + (below(2) ? rm(n) + ", " + reg(n) : below(2) ? reg(n) + ", " + rm(n) : rm(n) + ", " + imm(n * 8));
        }
        case 1: {  // narrow shifts (memory by cl is left out: see case 11)
            const uint32_t n = below(2) ? 1 : 2;
            const char* op = below(3) == 0 ? "shl" : below(2) ? "shr" : "sar";
            if (below(2)) return std::string(op) + " " + reg(n) + ", cl";
            return std::string(op) + " " + rm(n) + ", " + std::to_string(below(34));
        }
        case 2: case 3: {  // rol, ror, rcl, rcr
            const uint32_t n = size();
            const char* ops[] = {"rol", "ror", "rcl", "rcr"};
            const std::string op = pick(ops);
            if (below(2)) return op + " " + reg(n) + ", cl";
            return op + " " + rm(n) + ", " + std::to_string(below(34));
        }
        case 4: {  // shld, shrd on registers: Unicorn 2.0.1 computes the flags of a memory
                   // destination from a clobbered temporary (measured: `shrd word [m], di, 3`
                   // gives CF=1 where the bit shifted out is 0), as for memory shifts by cl
            const uint32_t n = below(2) ? 2 : 4;
            const std::string op = below(2) ? "shld " : "shrd ";
            if (below(2)) return op + reg(n) + ", " + reg(n) + ", cl";
            return op + reg(n) + ", " + reg(n) + ", " + std::to_string(below(34));
        }
        case 5: {  // idiv r/m32 with a divisor that cannot overflow: |edx:eax| < 2^31 * 2
            body.push_back("cdq");
            body.push_back("and ecx, 0x7fff");
            body.push_back("or ecx, " + hex(2 + below(100)));
            return "idiv ecx";
        }
        case 6: {  // 8/16-bit mul, imul (one, two and three operands)
            const uint32_t n = below(2) ? 1 : 2;
            switch (below(4)) {
            case 0: return "mul " + rm(n);
            case 1: return "imul " + rm(n);
            case 2: return "imul " + r16() + ", " + rm(2);
            default: return "imul " + r16() + ", " + rm(2) + ", " + imm(below(2) ? 8 : 16);
            }
        }
        case 7: {  // 8/16-bit div, idiv with small positive divisors and no quotient overflow
            if (below(2)) {
                body.push_back("movzx eax, al");
                body.push_back("mov cl, " + std::to_string(2 + below(126)));
                return below(2) ? "div cl" : "idiv cl";
            }
            body.push_back(below(2) ? "xor edx, edx" : "cwd");
            body.push_back("and dx, 0x3f");
            body.push_back("mov cx, " + std::to_string(0x100 + below(0x6f00)));
            return below(2) ? "div cx" : "idiv cx";
        }
        case 8: {  // bt*: OF and AF are undefined afterwards, so capture CF and redefine all
            const char* ops[] = {"bt", "bts", "btr", "btc"};
            const uint32_t n = below(2) ? 2 : 4;
            const std::string op = pick(ops);
            if (below(2)) body.push_back(op + " " + rm(n) + ", " + std::to_string(below(40)));
            else body.push_back(op + " " + reg(n) + ", " + reg(n));
            body.push_back("set" + std::string(below(2) ? "c " : "z ") + r8());
            return "test " + r32() + ", " + r32();
        }
        case 9: {  // bsf, bsr
            const uint32_t n = below(2) ? 2 : 4;
            return std::string(below(2) ? "bsf " : "bsr ") + reg(n) + ", " + rm(n);
        }
        case 10: { const char* ops[] = {"cbw", "cwde", "cwd", "cdq"}; return pick(ops); }
        case 11: return below(2) ? "lahf" : "sahf";
        case 12: {  // cmpxchg, xadd
            const uint32_t n = size();
            return std::string(below(2) ? "cmpxchg " : "xadd ") + rm(n) + ", " + reg(n);
        }
        case 13: case 14: {  // string instructions inside the data area, either direction
            const char* sizes = "bwd";
            const uint32_t k = below(3);
            const char* ops[] = {"movs", "stos", "lods", "cmps", "scas"};
            const std::string op = std::string(pick(ops)) + sizes[k];
            const bool compares = op[0] == 'c' || (op[0] == 's' && op[1] == 'c');
            const bool down = below(2);
            body.push_back("lea esi, [ebp + " + std::to_string(48 + below(160)) + "]");
            body.push_back("lea edi, [ebp + " + std::to_string(48 + below(160)) + "]");
            body.push_back("mov ecx, " + std::to_string(below(9)));
            if (down) body.push_back("std");
            const char* prefix = "";
            if (below(3)) prefix = compares ? (below(2) ? "repe " : "repne ") : "rep ";
            body.push_back(prefix + op);
            return "cld";
        }
        case 15: {  // enter/leave around a store into the new frame
            body.push_back("enter " + std::to_string(4 * (1 + below(8))) + ", 0");
            body.push_back("mov [ebp - 4], " + r32());
            body.push_back("mov " + r32() + ", [esp]");
            return "leave";
        }
        case 16: {  // pusha/popa: popa restores, the read below esp sees what pusha stored
            body.push_back("pushad");
            body.push_back("not " + r32());
            body.push_back("popad");
            return "mov " + r32() + ", [esp - " + std::to_string(4 * (1 + below(8))) + "]";
        }
        case 17: {
            body.push_back("mov eax, " + hex(below(2) ? below(2) : 0x80000000u));
            return "cpuid";
        }
        case 19: {  // pushf/popf: EFLAGS to a register, and random flags (DF, IF, AC, ID, ...;
                    // never TF, whose single-step trap neither side models) loaded from the stack
            const bool word = below(4) == 0;
            if (below(2)) {
                body.push_back(word ? "pushfw" : "pushfd");
                return word ? "pop " + r16() : "pop " + r32();
            }
            body.push_back(word ? "push word " + hex(value() & 0xFEFF) : "push dword " + hex(value() & ~0x100u));
            body.push_back(word ? "popfw" : "popfd");
            body.push_back(word ? "pushfw" : "pushfd");
            body.push_back(word ? "pop " + r16() : "pop " + r32());
            return "cld";
        }
        case 18: {  // the direction flag alone: std then cld around an unrelated instruction
            body.push_back("std");
            body.push_back(instruction(body, labels));
            return "cld";
        }
        default: {  // a rotate whose flags a branch reads at once
            const std::string label = ".L" + std::to_string(labels++);
            body.push_back(std::string(below(2) ? "rol " : "rcr ") + r32() + ", " + std::to_string(1 + below(31)));
            body.push_back("j" + cond() + " " + label);
            body.push_back("inc " + r32());
            return label + ":";
        }
        }
    }

    std::string instruction(std::vector<std::string>& body, unsigned& labels) {
        if (below(2)) return more(body, labels);
        switch (below(22)) {
        case 0: return "mov " + r32() + ", " + (below(2) ? r32() : imm(32));
        case 1: return below(2) ? "mov " + r32() + ", " + mem("dword", 4) : "mov " + mem("dword", 4) + ", " + r32();
        case 2: return below(2) ? "mov " + r8() + ", " + (below(2) ? r8() : imm(8)) : "mov " + mem("byte", 1) + ", " + r8();
        case 3: return below(2) ? "movzx " + r32() + ", " + (below(2) ? r8() : mem("byte", 1))
                                : "movzx " + r32() + ", " + (below(2) ? r16() : mem("word", 2));
        case 4: return below(2) ? "movsx " + r32() + ", " + (below(2) ? r8() : mem("byte", 1))
                                : "movsx " + r32() + ", " + mem("word", 2);
        case 5: return "lea " + r32() + ", [" + r32() + " + " + r32() + "*" + std::to_string(1u << below(4)) + " + " + imm(below(2) ? 8 : 32) + "]";
        case 6: case 7: case 8: {
            const std::string op = pick(kAlu);
            switch (below(6)) {
            case 0: return op + " " + r32() + ", " + r32();
            case 1: return op + " " + r32() + ", " + imm(32);
            case 2: return op + " " + r32() + ", " + mem("dword", 4);
            case 3: return op + " " + mem("dword", 4) + ", " + r32();
            case 4: return op + " " + r8() + ", " + (below(2) ? r8() : imm(8));
            default: return op + " " + r16() + ", " + (below(2) ? r16() : imm(16));
            }
        }
        case 9: {
            const char* op = below(2) ? "inc" : "dec";
            switch (below(4)) {
            case 0: return std::string(op) + " " + r8();
            case 1: return std::string(op) + " " + mem("dword", 4);
            default: return std::string(op) + " " + r32();
            }
        }
        case 10: return std::string(below(2) ? "neg " : "not ") + (below(3) == 0 ? r8() : r32());
        case 11: {
            // Memory shifted by cl is left out: Unicorn 2.0.1 computes CF and OF of that form
            // from a clobbered temporary (measured against this machine's CPU: `sar dword
            // [m], cl` with m = 0 gives CF=1 on Unicorn, 0 on hardware and on the translator).
            const char* op = below(3) == 0 ? "shl" : below(2) ? "shr" : "sar";
            if (below(2)) return std::string(op) + " " + r32() + ", cl";
            return std::string(op) + " " + (below(4) == 0 ? mem("dword", 4) : r32()) + ", " + std::to_string(below(40));
        }
        case 12: switch (below(4)) {
            case 0: return "imul " + r32() + ", " + r32();
            case 1: return "imul " + r32() + ", " + r32() + ", " + imm(below(2) ? 8 : 32);
            case 2: return "imul " + r32();
            default: return "mul " + (below(2) ? r32() : mem("dword", 4));
            }
        case 13: return "set" + cond() + " " + (below(2) ? r8() : mem("byte", 1));
        case 14: return "cmov" + std::string(below(2) ? "e" : "l") + " " + r32() + ", " + (below(2) ? r32() : mem("dword", 4));
        case 15: return "cmov" + cond() + " " + r32() + ", " + r32();
        case 16: {
            body.push_back("push " + (below(2) ? r32() : mem("dword", 4)));
            return "pop " + r32();
        }
        case 17: return "xchg " + (below(2) ? r32() + ", " + r32() : r8() + ", " + r8());
        case 18: {
            // A forward branch over one or two instructions.
            const std::string label = ".L" + std::to_string(labels++);
            body.push_back("j" + cond() + " " + label);
            body.push_back(instruction(body, labels));
            return label + ":";
        }
        case 19: {
            body.push_back("xor edx, edx");
            body.push_back("or ecx, " + hex(1 + below(1000)));
            return "div ecx";
        }
        case 20: return "mov " + mem("word", 2) + ", " + r16();
        default: return "test " + r8() + ", " + imm(8);
        }
    }

private:
    std::mt19937_64 rng_;
};

}  // namespace


std::string FuzzCase::source() const { return "org " + std::to_string(kFlatLoadAddress) + "\n" + code("fuzz_case", ""); }

std::string FuzzCase::code(const std::string& label, const std::string& next) const {
    static const char* const setup_order[] = {"eax", "ecx", "edx", "ebx", "esi", "edi"};
    std::string s = label + ":\n";
    // EFLAGS as a new process has them, whatever an earlier case's popf left (DF, AC, ID, ...).
    s += "        push dword 0x202\n        popfd\n";
    s += "        mov ebp, " + std::to_string(kFuzzDataAddress) + "\n";
    // The data area's initial bytes, copied from the table after the code: 5 instructions to
    // translate rather than one store per word.
    const size_t words = data.size() / 4;
    if (words) {
        s += "        mov esi, .data\n        mov edi, ebp\n        mov ecx, " + std::to_string(words) + "\n";
        s += "        rep movsd\n";
    }
    for (size_t i = 0; i < registers.size() && i < 6; ++i)
        s += "        mov " + std::string(setup_order[i]) + ", " + std::to_string(registers[i]) + "\n";
    s += "        cmp eax, ecx            ; random starting flags\n";
    s += "        jmp .body\n.body:\n";
    for (const auto& line : body) s += (line.back() == ':' ? "" : "        ") + line + "\n";
    // pushfd reads every flag, so the lockstep compares them all at the end of the body.
    s += "        jmp .end\n.end:\n        pushfd\n        pop eax\n";
    s += next.empty() ? "        mov eax, 1\n        xor ebx, ebx\n        int 0x80\n" : "        jmp " + next + "\n";
    for (size_t w = 0; w < words; ++w) {
        const size_t i = 4 * w;
        const uint32_t word = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | uint32_t(data[i + 3]) << 24;
        s += (w % 8 == 0 ? (w == 0 ? ".data:  dd " : "        dd ") : ", ") + hex32(word) + (w % 8 == 7 || w + 1 == words ? "\n" : "");
    }
    return s;
}

std::string fuzzMnemonic(const std::string& line) {
    if (line.empty() || line.back() == ':') return "";
    auto word = [&](size_t from) { return line.substr(from, line.find(' ', from) - from); };
    std::string m = word(0);
    if (m == "rep" || m == "repe" || m == "repne") return m + " " + word(m.size() + 1);
    if (m.rfind("cmov", 0) == 0) return "cmovcc";
    if (m.rfind("set", 0) == 0) return "setcc";
    if (m[0] == 'j' && m != "jmp") return "jcc";
    return m;
}

FuzzCase randomFuzzCase(uint64_t seed, uint64_t index, size_t length) {
    Gen g(seed, index);
    FuzzCase c;
    for (int i = 0; i < 6; ++i) c.registers.push_back(g.value());
    for (uint32_t i = 0; i < kFuzzDataSize; ++i) c.data.push_back(static_cast<uint8_t>(g.value()));
    unsigned labels = 0;
    while (c.body.size() < length) {
        std::string line = g.instruction(c.body, labels);
        c.body.push_back(std::move(line));
    }
    return c;
}

std::optional<std::string> runFuzzCase(const FuzzCase& c) {
    TempDir dir("virtlab-fuzz");
    const std::string path = dir.path() + "/case.asm";
    {
        std::ofstream out(path);
        out << c.source();
    }
    const GuestImage image = loadGuest(path);
    const CompareResult r = compareLockstep(image, {}, {{kFuzzDataAddress, kFuzzDataSize}}, 100000);
    if (r.match) return std::nullopt;
    if (r.divergence) return r.divergence->message();
    return "the translator stopped: " + r.dbt_failure;
}

namespace {

// What a failure is about, without where it happened: "register eax", "flag CF", "state
// failure". A smaller program must fail the same way to replace the original, or shrinking
// would wander off to an unrelated failure (a removed `lea esi` making a string op fault).
std::string failureKind(const std::string& reason) {
    const size_t from = reason.find("): ");
    if (from == std::string::npos) return reason.substr(0, reason.find(" at "));
    const size_t to = reason.find(" is ", from);
    return reason.substr(from + 3, to == std::string::npos ? std::string::npos : to - from - 3);
}

bool failsTheSameWay(const FuzzCase& c, const std::string& kind) {
    const auto why = runFuzzCase(c);
    return why && failureKind(*why) == kind;
}

// Drops body lines one at a time while the case still fails the same way (a line whose
// removal breaks assembly, such as a label still jumped to, is kept).
FuzzCase shrink(FuzzCase c, const std::string& reason) {
    const std::string kind = failureKind(reason);
    // Zeroed data memory makes a shorter program, when the failure does not depend on it.
    FuzzCase no_data = c;
    no_data.data.clear();
    if (failsTheSameWay(no_data, kind)) c = std::move(no_data);
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < c.body.size(); ++i) {
            FuzzCase smaller = c;
            smaller.body.erase(smaller.body.begin() + static_cast<std::ptrdiff_t>(i));
            try {
                if (failsTheSameWay(smaller, kind)) {
                    c = std::move(smaller);
                    progress = true;
                    --i;
                }
            } catch (const Error&) {
                // assembles no more: keep the line
            }
        }
    }
    return c;
}

}  // namespace

namespace {

// Cases 0..count-1 in batches (fuzz_batch.h). A case that diverged inside a batch is run again
// alone: that is the program the report shows, shrunk, and the batch goes on after it.
FuzzReport runCases(uint64_t count, const std::function<FuzzCase(uint64_t)>& make,
                    const std::function<void(uint64_t, size_t)>& progress, const std::function<bool()>& stop_requested) {
    FuzzReport report;
    auto done = [&](const FuzzCase& c) {
        for (const auto& line : c.body)
            if (const std::string m = fuzzMnemonic(line); !m.empty()) ++report.mnemonics[m];
        ++report.cases;
        if (progress) progress(report.cases, report.divergences.size());
    };
    auto alone = [&](uint64_t index, const FuzzCase& c, const std::optional<std::string>& seen_in_batch) {
        if (auto why = runFuzzCase(c)) {
            const FuzzCase small = shrink(c, *why);
            report.divergences.push_back({index, runFuzzCase(small).value_or(*why), small.source()});
        } else if (seen_in_batch) {
            report.divergences.push_back({index, *seen_in_batch + " (seen among other cases; this program alone agrees)", c.source()});
        }
        done(c);
    };
    for (uint64_t first = 0; first < count;) {
        if (stop_requested && stop_requested()) {
            report.stopped = true;
            break;
        }
        std::vector<FuzzCase> batch;
        for (uint64_t i = first; i < count && batch.size() < kFuzzBatchCases; ++i) batch.push_back(make(i));
        const FuzzBatchResult b = runFuzzBatch(batch);
        report.guest_instructions += b.guest_instructions;
        for (size_t j = 0; j < b.matched; ++j) done(batch[j]);
        if (!b.diverged) {
            first += b.matched;
            continue;
        }
        if (!b.attributed) {
            for (size_t j = b.matched; j < batch.size(); ++j) alone(first + j, batch[j], std::nullopt);
            first += batch.size();
            continue;
        }
        alone(first + b.matched, batch[b.matched], b.reason);
        first += b.matched + 1;
    }
    return report;
}

}  // namespace

FuzzReport fuzzDbt(uint64_t cases, uint64_t seed, const std::function<void(uint64_t, size_t)>& progress,
                   const std::function<bool()>& stop_requested) {
    FuzzReport report = runCases(cases, [seed](uint64_t i) { return randomFuzzCase(seed, i); }, progress, stop_requested);
    report.seed = seed;
    return report;
}

FuzzReport fuzzCases(const std::vector<FuzzCase>& cases, const std::function<void(uint64_t, size_t)>& progress,
                     const std::function<bool()>& stop_requested) {
    return runCases(cases.size(), [&cases](uint64_t i) { return cases[i]; }, progress, stop_requested);
}

}  // namespace vl::emu::dbt
