#include "trapsim/pic_8259.h"

namespace vl::vm {
namespace {
constexpr uint8_t kIcw1 = 0x10;          // command-port write with bit 4 set starts initialisation
constexpr uint8_t kIcw1NeedsIcw4 = 0x01;
constexpr uint8_t kIcw1Single = 0x02;    // no cascade: ICW3 is skipped
constexpr uint8_t kOcw3 = 0x08;          // bits 4:3 = 01
constexpr uint8_t kOcw2Eoi = 0x20;
constexpr uint8_t kOcw2Specific = 0x40;
}  // namespace

void Pic8259::writeCommand(uint8_t value) {
    if (value & kIcw1) {
        // ICW1 resets the controller: the mask is cleared and the next data writes are ICW2..4.
        expects_icw4_ = value & kIcw1NeedsIcw4;
        single_ = value & kIcw1Single;
        imr_ = 0;
        isr_ = 0;
        irr_ = 0;
        read_isr_ = false;
        init_step_ = 2;
        return;
    }
    if ((value & 0x18) == kOcw3) {
        if (value & 0x02) read_isr_ = value & 0x01;  // RR=1: RIS selects ISR or IRR
        return;
    }
    if (value & kOcw2Eoi) {
        if (value & kOcw2Specific) {
            isr_ &= static_cast<uint8_t>(~(1u << (value & 7)));
        } else {
            // Non-specific EOI: the highest-priority line in service is done.
            for (int line = 0; line < 8; ++line)
                if (isr_ & (1u << line)) {
                    isr_ &= static_cast<uint8_t>(~(1u << line));
                    break;
                }
        }
    }
}

void Pic8259::writeData(uint8_t value) {
    switch (init_step_) {
    case 2:
        vector_base_ = value & 0xF8;  // ICW2: the low three bits come from the line number
        init_step_ = single_ ? (expects_icw4_ ? 4 : 0) : 3;
        break;
    case 3: init_step_ = expects_icw4_ ? 4 : 0; break;  // ICW3: cascade wiring, fixed on a PC
    case 4: init_step_ = 0; break;                      // ICW4: 8086 mode; the rest is not modelled
    default: imr_ = value; break;                       // OCW1
    }
    if (init_step_ == 0) initialised_ = true;
}

std::optional<int> Pic8259::pendingLine() const {
    const uint8_t requested = irr_ & static_cast<uint8_t>(~imr_);
    for (int line = 0; line < 8; ++line) {
        if (isr_ & (1u << line)) return std::nullopt;  // this or a higher priority is in service
        if (requested & (1u << line)) return line;
    }
    return std::nullopt;
}

uint8_t Pic8259::acknowledge(int line) {
    irr_ &= static_cast<uint8_t>(~(1u << line));
    isr_ |= static_cast<uint8_t>(1u << line);
    return static_cast<uint8_t>(vector_base_ + line);
}

uint32_t PicPair::in(uint16_t port, int) {
    Pic8259& pic = port >= kSlavePort ? slave_ : master_;
    return (port & 1) ? pic.readData() : pic.readCommand();
}

void PicPair::out(uint16_t port, int, uint32_t value) {
    Pic8259& pic = port >= kSlavePort ? slave_ : master_;
    if (port & 1) pic.writeData(static_cast<uint8_t>(value));
    else pic.writeCommand(static_cast<uint8_t>(value));
    updateCascade();
}

void PicPair::raise(int irq) {
    if (irq < 8) {
        master_.raise(irq);
    } else {
        slave_.raise(irq - 8);
        updateCascade();
    }
}

// The slave's INT output drives the master's IRQ 2 while it has something to deliver.
void PicPair::updateCascade() {
    if (slave_.pendingLine()) master_.raise(kCascadeLine);
}

std::optional<uint8_t> PicPair::pendingVector() const {
    const auto line = master_.pendingLine();
    if (!line) return std::nullopt;
    if (*line != kCascadeLine) return static_cast<uint8_t>(master_.vectorBase() + *line);
    const auto slave_line = slave_.pendingLine();
    if (!slave_line) return std::nullopt;
    return static_cast<uint8_t>(slave_.vectorBase() + *slave_line);
}

std::optional<std::pair<uint8_t, int>> PicPair::acknowledge() {
    const auto line = master_.pendingLine();
    if (!line) return std::nullopt;
    if (*line != kCascadeLine) return std::make_pair(master_.acknowledge(*line), *line);
    master_.acknowledge(kCascadeLine);
    const auto slave_line = slave_.pendingLine();
    if (!slave_line) return std::nullopt;  // the slave's request went away: a spurious interrupt
    const uint8_t vector = slave_.acknowledge(*slave_line);
    updateCascade();
    return std::make_pair(vector, 8 + *slave_line);
}

}  // namespace vl::vm
