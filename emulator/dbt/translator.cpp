#include "emulator/dbt/translator.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <bit>
#include <map>

#include "core/error.h"
#include "emulator/disassembler.h"
#include "emulator/dbt/flag_liveness.h"

namespace vl::emu::dbt {
namespace {

bool translateOne(TranslationContext& t) {
    const GuestInsn& in = t.insn();
    if (in.unsupported_prefix) return false;
    for (const GuestOperand& op : in.ops)
        if (op.segment_register && in.id != X86_INS_MOV) return false;
    return transData(t) || transAlu(t) || transShift(t) || transBits(t) || transMulDiv(t) || transBranch(t) ||
           transString(t) || transSystem(t);
}

A64Emitter one(const std::function<void(A64Emitter&)>& f) {
    A64Emitter e;
    f(e);
    return e;
}

// A direct jmp or call whose target the block can go on translating: in `followable` code,
// on the pages the block already covers or after them (so a write to any of its bytes would
// still retire the block: protection and invalidation work on whole pages from guest_start to
// guest_end), and not back into the block itself (that is a loop: it stays a branch). A jump
// to the very next instruction is left alone: `jmp next` is how a program (and the fuzzer,
// and the tests) ends a block on purpose, to have the two CPUs compared there.
constexpr size_t kMaxFollowed = 4;
bool followable(const GuestInsn& in, const std::vector<GuestInsn>& block, uint32_t first_page, const CodeWindow& window) {
    if (!window || (in.id != X86_INS_JMP && in.id != X86_INS_CALL) || in.ops.size() != 1 || in.ops[0].kind != OpKind::Imm) return false;
    const uint32_t target = in.ops[0].imm;
    if (target == in.next() || target < first_page || !window(target, 1)) return false;
    for (const GuestInsn& earlier : block)
        if (target >= earlier.address && target < earlier.next()) return false;
    return true;
}

// Decodes up to `limit` instructions, stopping after one that ends the block (a followed
// jmp or call does not: decoding goes on at its target).
std::vector<GuestInsn> decodeBlock(const X86Decoder& decoder, const CodeFetch& fetch, uint32_t start, size_t limit,
                                   const CodeWindow& window, std::optional<std::string>& invalid) {
    std::vector<GuestInsn> insns;
    uint32_t at = start;
    size_t followed = 0;
    while (insns.size() < limit) {
        // Past a followed branch, every instruction must lie in followable code too (else the
        // block ends there, going on by a branch).
        if (followed && !window(at, 16)) break;
        uint8_t bytes[16];
        const size_t got = fetch(at, bytes, sizeof bytes);
        if (got == 0) {
            if (insns.empty()) throw Error(Error::Kind::Guest, "instruction fetch from unmapped memory at " + hex32(at) +
                                                                   " (a jump or return to an address with no code)");
            break;
        }
        GuestInsn in;
        if (!decoder.decode(bytes, got, at, in)) {
            invalid = "invalid instruction bytes at " + hex32(at);
            break;
        }
        insns.push_back(std::move(in));
        GuestInsn& last = insns.back();
        if (endsBlock(last)) {
            if (followed == kMaxFollowed || insns.size() == limit) break;
            if (!followable(last, insns, start & ~0xFFFu, window)) break;
            last.followed = true;
            ++followed;
        }
        at = last.continuation();
    }
    return insns;
}

}  // namespace

TranslatedBlock translateBlock(const X86Decoder& decoder, const CodeFetch& fetch, uint32_t guest_address,
                               uint64_t host_address, const CodeWindow& followable_code) {
    std::optional<std::string> invalid;
    std::vector<GuestInsn> insns = decodeBlock(decoder, fetch, guest_address, kMaxBlockInstructions, followable_code, invalid);
    // Translate; when an instruction turns out to be unsupported, translate again with the
    // block cut before it, so flag liveness sees the block as it will really end.
    for (;;) {
        TranslatedBlock block;
        block.guest_start = guest_address;
        block.host_start = host_address;
        A64Emitter e(host_address);
        TranslationContext t(e, block);
        // The flags the next block reads, judged only from bytes on this block's own pages
        // (a write there retires this translation; flag_liveness.h).
        const uint32_t first_page = guest_address & ~0xFFFu;
        const uint32_t last_page = (insns.empty() ? guest_address : insns.back().next() - 1) & ~0xFFFu;
        // (Every page between them is covered too: see followable().)
        const CodeWindow own_pages = [&](uint32_t at, uint32_t length) {
            const uint32_t a = at & ~0xFFFu, b = (at + length - 1) & ~0xFFFu;
            return a == b && (a == first_page || a == last_page);
        };
        const uint8_t live_at_end = invalid ? uint8_t{kAllFlags} : flagsLiveAtEnd(decoder, fetch, insns, own_pages);
        const std::vector<uint8_t> live_after = liveFlagsAfter(insns, live_at_end);

        // Prologue: charge the block to the budget and leave before it when the budget cannot
        // pay for all of it (tested with tbnz, not cmp: NZCV holds live guest flags), then
        // count the block. The counts are filled in once the block is complete.
        static const GuestInsn kNone{};
        t.begin(kNone, 0);
        e.subImm(Width::X, kBudget, kBudget, 0);
        const size_t budget_site = e.size();
        e.tbnz(kBudget, 63, e.here());
        e.addImm(Width::X, kHostCount, kHostCount, 0);
        e.addImm(Width::X, kBlockCount, kBlockCount, 1);
        block.prologue_words = static_cast<uint32_t>(e.size());

        size_t failed_at = insns.size();
        for (size_t i = 0; i < insns.size(); ++i) {
            const size_t first = e.size();
            t.begin(insns[i], live_after[i]);
            if (!translateOne(t)) {
                failed_at = i;
                break;
            }
            block.map.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(first), static_cast<uint32_t>(e.size() - first)});
            block.flags_computed.push_back(t.computed());
            block.flags_skipped.push_back(static_cast<uint8_t>(flagUse(insns[i]).sets & ~t.computed()));
            if (t.ended()) break;
        }
        if (failed_at < insns.size()) {
            const GuestInsn& bad = insns[failed_at];
            invalid = "unsupported instruction " + bad.mnemonic + " at " + hex32(bad.address);
            insns.resize(failed_at);
            continue;  // again, without it (and without any half-emitted code of it)
        }
        block.insns = insns;
        block.guest_end = guest_address;
        for (const GuestInsn& in : insns) block.guest_end = std::max(block.guest_end, in.next());
        if (!t.ended()) {
            // Cut short: by an unsupported or undecodable instruction, or by the length limit.
            const uint32_t go_on = insns.empty() ? guest_address : insns.back().continuation();
            const size_t first = e.size();
            t.begin(kNone, kAllFlags);
            if (invalid) {
                block.stop_message = invalid;
                block.stop_address = go_on;
                t.exitWith(ExitReason::Unsupported, go_on);
            } else {
                t.jumpTo(go_on);
            }
            if (!block.map.empty()) block.map.back().arm64_count += static_cast<uint32_t>(e.size() - first);
        }
        block.body_words = static_cast<uint32_t>(e.size());
        block.main_path_words = block.body_words - t.offMainPath();
        t.emitStubs(block.main_path_words);
        e.patchBranch(budget_site, e.here());
        {
            // The budget stub: nothing of the block has run but the check; give the charge back
            // and count the check and the stub itself (the prologue's add did not run).
            const size_t first = e.size();
            e.addImm(Width::X, kHostCount, kHostCount, 0);
            e.addImm(Width::X, kBudget, kBudget, static_cast<uint32_t>(block.insns.size()));
            e.movImm32(kExitEip, guest_address);
            e.movz(Width::X, kExitSite, 0);
            e.movz(Width::W, kExitReason, static_cast<uint16_t>(ExitReason::Budget));
            e.b(kExitAddress);
            e.at(first) = one([&](A64Emitter& x) { x.addImm(Width::X, kHostCount, kHostCount, static_cast<uint32_t>(budget_site + 1 + e.size() - first)); }).words()[0];
        }
        t.emitLiterals();
        e.at(0) = one([&](A64Emitter& x) { x.subImm(Width::X, kBudget, kBudget, static_cast<uint32_t>(block.insns.size())); }).words()[0];
        e.at(2) = one([&](A64Emitter& x) { x.addImm(Width::X, kHostCount, kHostCount, block.main_path_words); }).words()[0];
        block.code = e.words();
        return block;
    }
}

// ---- TranslationContext ----

void TranslationContext::begin(const GuestInsn& in, uint8_t live_after) {
    insn_ = &in;
    live_after_ = live_after;
    computed_ = 0;
    next_scratch_ = 0;
    cached_operand_ = nullptr;
}

A64Reg TranslationContext::scratch() {
    if (next_scratch_ >= kScratchCount) throw std::logic_error("dbt: out of scratch registers");
    return kScratch[next_scratch_++];
}

A64Reg TranslationContext::constant(uint32_t value) {
    if (value == 0) return kZr;
    const A64Reg r = scratch();
    loadConstant(r, value);
    return r;
}

void TranslationContext::loadConstant(A64Reg dest, uint32_t value) {
    const uint32_t lo = value & 0xFFFF, hi = value >> 16;
    if (lo == 0 || hi == 0 || lo == 0xFFFF || hi == 0xFFFF) return e.movImm32(dest, value);
    if (encodeLogicalImmediate(value, Width::W)) return e.orrImm(Width::W, dest, kZr, value);
    literals_.push_back({e.size(), value});
    e.ldrLiteral(Width::W, dest, e.here());  // pointed at the pool by emitLiterals()
}

void TranslationContext::emitLiterals() {
    std::map<uint32_t, uint64_t> placed;
    for (const Literal& l : literals_) {
        const auto [it, fresh] = placed.try_emplace(l.value, e.here());
        if (fresh) e.data(l.value);
        e.patchBranch(l.load, it->second);
    }
    literals_.clear();
}

size_t TranslationContext::beginCountedRegion() {
    const size_t at = e.size();
    e.addImm(Width::X, kHostCount, kHostCount, 0);
    ++open_regions_;
    return at;
}

void TranslationContext::endCountedRegion(size_t at) { endCountedRegion(at, 0); }

void TranslationContext::endCountedRegion(size_t at, int extra) {
    const auto words = static_cast<uint32_t>(e.size() - at);
    const int counted = static_cast<int>(words) + extra;
    A64Emitter x(e.base() + at * 4);
    if (counted >= 0) x.addImm(Width::X, kHostCount, kHostCount, static_cast<uint32_t>(counted));
    else x.subImm(Width::X, kHostCount, kHostCount, static_cast<uint32_t>(-counted));
    e.at(at) = x.words()[0];
    --open_regions_;
    if (open_regions_ == 0) off_main_path_ += words;
}

A64Reg TranslationContext::address(const GuestOperand& m) {
    // A read-modify-write instruction asks twice for the same operand: compute it once.
    if (cached_operand_ == &m) return cached_address_;
    A64Reg r;
    if (m.base < 0 && m.index < 0) {
        r = constant(m.disp);
    } else if (m.index >= 0 && m.base < 0 && m.disp >= 0x1000 && uint32_t(0u - m.disp) >= 0x1000) {
        // [table + index*scale]: the constant, then the scaled index added to it in one go.
        r = constant(m.disp);
        e.addReg(Width::W, r, r, hostRegOf(m.index), Shift::LSL,
                 static_cast<uint8_t>(std::countr_zero(unsigned(m.scale ? m.scale : 1))));
    } else {
        if (m.index >= 0) {
            r = scratch();
            const auto shift = static_cast<uint8_t>(std::countr_zero(unsigned(m.scale ? m.scale : 1)));
            if (m.base >= 0) e.addReg(Width::W, r, hostRegOf(m.base), hostRegOf(m.index), Shift::LSL, shift);
            else e.lslImm(Width::W, r, hostRegOf(m.index), shift);
        } else {
            r = hostRegOf(m.base);
        }
        if (m.disp != 0) {
            const A64Reg d = isScratch(r) ? r : scratch();  // never modify the guest register
            if (m.disp < 0x1000) e.addImm(Width::W, d, r, m.disp);
            else if (uint32_t(0u - m.disp) < 0x1000) e.subImm(Width::W, d, r, uint32_t(0u - m.disp));
            else e.addReg(Width::W, d, r, constant(m.disp));
            r = d;
        }
    }
    if (m.segment != 0) {
        // fs:/gs: add the segment base (host_abi.h kSegmentBases: gs low half, fs high half).
        const A64Reg d = isScratch(r) && r != kZr ? r : scratch();
        if (m.segment == 5) {
            e.addReg(Width::W, d, r, kSegmentBases);
        } else {
            const A64Reg fs = scratch();
            e.lsrImm(Width::X, fs, kSegmentBases, 32);
            e.addReg(Width::W, d, r, fs);
        }
        r = d;
    }
    cached_operand_ = &m;
    cached_address_ = r;
    return r;
}

A64Reg TranslationContext::readCopy(const GuestOperand& op) {
    const A64Reg v = read(op);
    if (isScratch(v)) return v;
    const A64Reg copy = scratch();
    e.movReg(Width::W, copy, v);
    return copy;
}

void TranslationContext::exitFrom(size_t site, ExitReason reason, uint32_t eip) {
    branchToStub({site, eip, reason, false, false});
}

A64Reg TranslationContext::parityOdd() {
    const A64Reg p = scratch();
    e.eorReg(Width::W, p, kPfSource, kPfSource, Shift::LSR, 4);
    e.eorReg(Width::W, p, p, p, Shift::LSR, 2);
    e.eorReg(Width::W, p, p, p, Shift::LSR, 1);
    return p;
}

static MemSize memSize(uint8_t size) { return size == 1 ? MemSize::Byte : size == 2 ? MemSize::Half : MemSize::Word; }

void TranslationContext::loadFrom(A64Reg dest, A64Reg addr, uint8_t size) { e.ldrRegUxtw(memSize(size), dest, kMemBase, addr); }
void TranslationContext::storeTo(A64Reg value, A64Reg addr, uint8_t size) { e.strRegUxtw(memSize(size), value, kMemBase, addr); }

A64Reg TranslationContext::read(const GuestOperand& op) {
    switch (op.kind) {
    case OpKind::Imm: return constant(op.imm);
    case OpKind::Mem: {
        const A64Reg addr = address(op);
        const A64Reg r = scratch();
        loadFrom(r, addr, op.size);
        return r;
    }
    case OpKind::Reg:
        if (op.size == 4) return hostRegOf(op.reg);
        const A64Reg r = scratch();
        e.ubfx(Width::W, r, hostRegOf(op.reg), op.high_byte ? 8 : 0, static_cast<uint8_t>(op.size * 8));
        return r;
    }
    return kZr;
}

void TranslationContext::write(const GuestOperand& op, A64Reg value) {
    if (op.kind == OpKind::Mem) return storeTo(value, address(op), op.size);
    const A64Reg reg = hostRegOf(op.reg);
    if (op.size == 4) {
        if (value != reg) e.movReg(Width::W, reg, value);
        return;
    }
    e.bfi(Width::W, reg, value, op.high_byte ? 8 : 0, static_cast<uint8_t>(op.size * 8));
}

void TranslationContext::keepParity(A64Reg result) {
    if (!live(kPF)) return;
    if (result != kPfSource) e.movReg(Width::W, kPfSource, result);
    markComputed(kPF);
}

void TranslationContext::keepAuxCarry(A64Reg value) {
    if (!live(kAF)) return;
    e.movReg(Width::W, kAfSource, value);
    markComputed(kAF);
}

void TranslationContext::clearAuxCarry() {
    if (!live(kAF)) return;
    e.movReg(Width::W, kAfSource, kZr);
    markComputed(kAF);
}

void TranslationContext::flagsFrom(A64Reg result, uint8_t bits, A64Reg cf, A64Reg of) {
    if (!live(kSF | kZF | kCF | kOF)) return;
    if (bits < 32) {
        const A64Reg s = scratch();
        e.lslImm(Width::W, s, result, static_cast<uint8_t>(32 - bits));
        e.subsImm(Width::W, kZr, s, 0);
    } else {
        e.subsImm(Width::W, kZr, result, 0);  // N, Z from the result; C=1 (CF=0), V=0
    }
    if ((cf != kZr && live(kCF)) || (of != kZr && live(kOF))) {
        const A64Reg nzcv = scratch();
        e.mrsNzcv(nzcv);
        if (cf != kZr && live(kCF)) {
            const A64Reg inverted = scratch();
            e.eorImm(Width::W, inverted, cf, 1);
            e.bfi(Width::X, nzcv, inverted, 29, 1);
        }
        if (of != kZr && live(kOF)) e.bfi(Width::X, nzcv, of, 28, 1);
        e.msrNzcv(nzcv);
    }
    markComputed(liveAfter() & (kSF | kZF | kCF | kOF));
}

void TranslationContext::setCarryOverflow(A64Reg cf, A64Reg of) {
    const bool set_cf = cf != kKeepFlag && live(kCF), set_of = of != kKeepFlag && live(kOF);
    if (!set_cf && !set_of) return;
    const A64Reg nzcv = scratch();
    e.mrsNzcv(nzcv);
    if (set_cf) {
        const A64Reg inverted = scratch();
        e.eorImm(Width::W, inverted, cf, 1);
        e.bfi(Width::X, nzcv, inverted, 29, 1);
        markComputed(kCF);
    }
    if (set_of) {
        e.bfi(Width::X, nzcv, of, 28, 1);
        markComputed(kOF);
    }
    e.msrNzcv(nzcv);
}

A64Reg TranslationContext::carryFlag() {
    const A64Reg c = scratch();
    e.cset(Width::W, c, Cond::LO);  // C clear = borrow = x86 CF set
    return c;
}

// ---- exits ----

void TranslationContext::branchToStub(Stub stub) {
    stub.on_main_path = open_regions_ == 0;
    stub.off_main_before = off_main_path_;
    stubs_.push_back(stub);
}

void TranslationContext::jumpTo(uint32_t target) {
    const size_t site = e.size();
    e.b(e.here());
    branchToStub({site, target, ExitReason::Miss, true, false});
    block_.chain_sites.push_back({static_cast<uint32_t>(site), target});
    end();
}

void TranslationContext::exitTwoWays(const std::function<void(bool)>& emit_branch, uint32_t taken, uint32_t not_taken) {
    // Backward branches are loops: taken is the hot side; forward ones guess not taken.
    const bool backward = taken <= insn().address;
    const uint32_t hot = backward ? taken : not_taken, cold = backward ? not_taken : taken;
    const size_t to_hot = forwardBranch([&] { emit_branch(backward); });
    const size_t cold_region = beginCountedRegion();
    jumpTo(cold);
    endCountedRegion(cold_region);
    bind(to_hot);
    // Reached only until the runtime points the conditional branch straight at `hot`.
    const size_t hot_region = beginCountedRegion();
    jumpTo(hot);
    endCountedRegion(hot_region);
    shortcutLastSite(to_hot);
}

void TranslationContext::jumpIf(X86Cond cc, uint32_t taken, uint32_t not_taken) {
    if (const auto c = hostCondition(cc)) {
        exitTwoWays([&](bool when) { e.bCond(when ? *c : invert(*c), e.here()); }, taken, not_taken);
        return;
    }
    const A64Reg odd = parityOdd();
    const bool on_even = cc == X86Cond::P;  // jp jumps when PF = 1, i.e. the parity bit is even
    exitTwoWays([&](bool when) { when == on_even ? e.tbz(odd, 0, e.here()) : e.tbnz(odd, 0, e.here()); }, taken, not_taken);
}

void TranslationContext::jumpIndirect(A64Reg target) {
    if (target != kExitEip) e.movReg(Width::W, kExitEip, target);
    // The lookup table (host_abi.h): entry (eip & 0xfff) holds {guest eip, host address}.
    // Compared with sub + cbnz, not cmp: NZCV holds the guest's flags.
    const A64Reg entry = scratch(), guest = scratch(), host = scratch();
    e.ubfiz(Width::X, entry, kExitEip, 4, 12);
    e.addReg(Width::X, entry, kLookupBase, entry);
    e.ldpX(guest, host, entry, 0);
    e.subReg(Width::X, guest, guest, kExitEip);
    const size_t site = e.size();
    e.cbnz(Width::X, guest, e.here());
    branchToStub({site, 0, ExitReason::Miss, false, true});
    e.br(host);
    end();
}

void TranslationContext::exitWith(ExitReason reason, uint32_t eip) {
    const size_t site = e.size();
    e.b(e.here());
    branchToStub({site, eip, reason, false, false});
    end();
}

void TranslationContext::emitStubs(uint32_t main_path_words) {
    for (const Stub& s : stubs_) {
        e.patchBranch(s.site, e.here());
        const size_t first = e.size();
        e.addImm(Width::X, kHostCount, kHostCount, 0);
        if (!s.eip_in_register) e.movImm32(kExitEip, s.guest_eip);
        if (s.chainable) e.adr(kExitSite, e.base() + s.site * 4);
        else e.movz(Width::X, kExitSite, 0);
        e.movz(Width::W, kExitReason, static_cast<uint16_t>(s.reason));
        e.b(kExitAddress);
        // The stub's own words; and where it cut the main path short, the words of the main
        // path the prologue counted but that did not run.
        int count = static_cast<int>(e.size() - first);
        if (s.on_main_path) count += static_cast<int>(s.site + 1 - s.off_main_before) - static_cast<int>(main_path_words);
        A64Emitter x(e.base() + first * 4);
        if (count >= 0) x.addImm(Width::X, kHostCount, kHostCount, static_cast<uint32_t>(count));
        else x.subImm(Width::X, kHostCount, kHostCount, static_cast<uint32_t>(-count));
        e.at(first) = x.words()[0];
    }
    stubs_.clear();
}

}  // namespace vl::emu::dbt
