#include "trapsim/serial_16550.h"

namespace vl::vm {

uint32_t Serial16550::in(uint16_t port, int /*size*/) {
    const bool dlab = lcr_ & kLcrDlab;
    switch (port - base_) {
    case kThr: return dlab ? dll_ : 0;  // RBR: no receive data in this slice
    case kIer: return dlab ? dlm_ : ier_;
    case kIir: return 0x01;             // bit 0 set: no interrupt pending
    case kLcr: return lcr_;
    case kMcr: return mcr_;
    // Transmission is instantaneous, so the holding register and the shifter are always empty:
    // a driver polling LSR sees "ready" on its first read.
    case kLsr: return kLsrThrEmpty | kLsrTransmitterEmpty;
    case kMsr: return 0xB0;             // DCD, DSR, CTS asserted: a cable and a listener
    case kScr: return scr_;
    default: return 0xFF;
    }
}

void Serial16550::out(uint16_t port, int /*size*/, uint32_t value) {
    const uint8_t byte = static_cast<uint8_t>(value);
    const bool dlab = lcr_ & kLcrDlab;
    switch (port - base_) {
    case kThr:
        if (dlab) {
            dll_ = byte;
        } else {
            std::lock_guard lock(mutex_);
            ++transmitted_;
            if (console_.size() < kConsoleLimit) console_.push_back(static_cast<char>(byte));
        }
        break;
    case kIer:
        if (dlab) dlm_ = byte;
        else ier_ = byte & 0x0F;
        break;
    case kIir: break;  // FCR: the FIFO is not modelled (transmission never waits)
    case kLcr: lcr_ = byte; break;
    case kMcr: mcr_ = byte & 0x1F; break;
    case kScr: scr_ = byte; break;
    default: break;    // LSR and MSR are read-only
    }
}

std::string Serial16550::console() const {
    std::lock_guard lock(mutex_);
    return console_;
}

uint64_t Serial16550::bytesTransmitted() const {
    std::lock_guard lock(mutex_);
    return transmitted_;
}

}  // namespace vl::vm
