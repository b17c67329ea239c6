// The PC's pair of Intel 8259A programmable interrupt controllers: the master on ports
// 0x20/0x21 takes IRQ 0-7, the slave on 0xA0/0xA1 takes IRQ 8-15 and is cascaded into the
// master's IRQ 2. Modelled after the 8259A data sheet: the ICW1-ICW4 initialisation sequence,
// OCW1 (the mask), OCW2 (end of interrupt) and OCW3 (read IRR or ISR); fully nested priority
// (IRQ 0 highest), edge triggered. Not modelled: special mask mode, rotation, poll mode,
// auto-EOI, level triggering, buffered mode -- a 1990s PC kernel uses none of them.
#pragma once

#include <cstdint>
#include <optional>

#include "trapsim/io_bus.h"

namespace vl::vm {

class Pic8259 {
public:
    // Command port (A0=0) and data port (A0=1) writes and reads.
    void writeCommand(uint8_t value);
    void writeData(uint8_t value);
    uint8_t readCommand() const { return read_isr_ ? isr_ : irr_; }
    uint8_t readData() const { return imr_; }

    void raise(int line) { irr_ |= static_cast<uint8_t>(1u << line); }
    // The highest-priority requested, unmasked line that is not blocked by one of equal or
    // higher priority already in service.
    std::optional<int> pendingLine() const;
    // The CPU's interrupt acknowledge: the line moves from IRR to ISR; returns its vector.
    uint8_t acknowledge(int line);

    uint8_t vectorBase() const { return vector_base_; }
    uint8_t irr() const { return irr_; }
    uint8_t isr() const { return isr_; }
    uint8_t imr() const { return imr_; }
    bool initialised() const { return init_step_ == 0 && initialised_; }

private:
    uint8_t irr_ = 0;
    uint8_t isr_ = 0;
    uint8_t imr_ = 0xFF;  // everything masked until the kernel says otherwise
    uint8_t vector_base_ = 0;
    bool read_isr_ = false;
    bool expects_icw4_ = false;
    bool single_ = false;
    bool initialised_ = false;
    int init_step_ = 0;  // 0: operational; 2, 3, 4: waiting for that ICW
};

class PicPair : public IoDevice {
public:
    static constexpr uint16_t kMasterPort = 0x20;
    static constexpr uint16_t kSlavePort = 0xA0;
    static constexpr int kCascadeLine = 2;

    std::string name() const override { return "8259A PIC pair"; }
    uint32_t in(uint16_t port, int size) override;
    void out(uint16_t port, int size, uint32_t value) override;

    void raise(int irq);
    // The vector the CPU would be interrupted with now (the interrupt is not yet taken).
    std::optional<uint8_t> pendingVector() const;
    // Takes the pending interrupt: returns its vector and IRQ number.
    std::optional<std::pair<uint8_t, int>> acknowledge();
    bool anyRequested() const { return master_.irr() != 0; }

    const Pic8259& master() const { return master_; }
    const Pic8259& slave() const { return slave_; }

private:
    void updateCascade();

    Pic8259 master_;
    Pic8259 slave_;
};

}  // namespace vl::vm
