// Channel 0 of the PC's Intel 8254 programmable interval timer (ports 0x40-0x43), the timer
// tick of every PC kernel: the kernel writes a control word to 0x43 and a 16-bit divisor to
// 0x40; the counter counts down at 1.193182 MHz and, in mode 2 (rate generator) or mode 3
// (square wave), raises IRQ 0 once per `divisor` input clocks, forever.
//
// The VMM's clock. Time in this machine is not wall time (which would make runs
// irreproducible) but guest progress: the PIT's input clock advances by one for every guest
// instruction retired, and jumps ahead to the next tick while the virtual CPU halts. So the
// virtual CPU is a 1.193182 MHz machine retiring one instruction per cycle, a divisor of 1000
// is a tick every 1000 guest instructions, and two runs of one guest see the same interrupts
// at the same instructions.
//
// Not modelled: channels 1 and 2 (DRAM refresh and the speaker), BCD counting, modes 0, 1, 4
// and 5 (the counter is loaded but never fires), the gate inputs; reading the counter back
// (latch command 0x00 or direct reads) is supported.
#pragma once

#include <cstdint>
#include <functional>

#include "trapsim/io_bus.h"

namespace vl::vm {

class Pit8254 : public IoDevice {
public:
    static constexpr uint16_t kBasePort = 0x40;
    static constexpr uint16_t kControlPort = 0x43;
    static constexpr uint64_t kInputHz = 1193182;
    static constexpr uint64_t kNever = UINT64_MAX;

    // `now` reads the VMM's clock (in PIT input clocks).
    explicit Pit8254(std::function<uint64_t()> now) : now_(std::move(now)) {}

    std::string name() const override { return "8254 PIT"; }
    uint32_t in(uint16_t port, int size) override;
    void out(uint16_t port, int size, uint32_t value) override;

    // The clock value at which channel 0 next raises IRQ 0 (kNever when it is not running
    // as a periodic timer).
    uint64_t nextTick() const { return next_tick_; }
    // Called by the VMM once the clock has reached nextTick(): schedules the following tick.
    // Ticks that fell due at once (after a long halt) coalesce into one, as they do in the
    // 8259's edge-triggered IRR.
    void tickDelivered(uint64_t now);

    int mode() const { return mode_; }
    uint32_t divisor() const { return divisor_; }  // 1..65536 (a written 0 means 65536)
    uint64_t ticks() const { return ticks_; }

private:
    uint16_t currentCount() const;

    std::function<uint64_t()> now_;
    int mode_ = 0;
    int access_ = 3;            // 1 lobyte, 2 hibyte, 3 lobyte then hibyte
    bool write_high_next_ = false;
    bool read_high_next_ = false;
    uint16_t reload_low_ = 0;
    uint32_t divisor_ = 0x10000;
    uint64_t loaded_at_ = 0;
    uint64_t next_tick_ = kNever;
    uint64_t ticks_ = 0;
    bool latched_ = false;
    uint16_t latch_ = 0;
};

}  // namespace vl::vm
