#include "trapsim/pit_8254.h"

namespace vl::vm {

void Pit8254::out(uint16_t port, int, uint32_t value) {
    const uint8_t byte = static_cast<uint8_t>(value);
    if (port == kControlPort) {
        const int channel = byte >> 6;
        if (channel != 0) return;  // channels 1 and 2 are not wired to anything here
        const int access = (byte >> 4) & 3;
        if (access == 0) {  // counter latch command
            latch_ = currentCount();
            latched_ = true;
            read_high_next_ = false;
            return;
        }
        access_ = access;
        mode_ = (byte >> 1) & 7;
        if (mode_ > 5) mode_ -= 4;  // modes 6 and 7 are aliases of 2 and 3
        write_high_next_ = false;
        read_high_next_ = false;
        next_tick_ = kNever;  // a new control word stops the counter until the count is written
        return;
    }
    if (port != kBasePort) return;
    uint32_t count = 0;
    switch (access_) {
    case 1: count = byte; break;
    case 2: count = static_cast<uint32_t>(byte) << 8; break;
    default:
        if (!write_high_next_) {
            reload_low_ = byte;
            write_high_next_ = true;
            return;
        }
        write_high_next_ = false;
        count = reload_low_ | (static_cast<uint32_t>(byte) << 8);
        break;
    }
    divisor_ = count == 0 ? 0x10000 : count;
    loaded_at_ = now_();
    const bool periodic = mode_ == 2 || mode_ == 3;
    next_tick_ = periodic ? loaded_at_ + divisor_ : kNever;
}

uint32_t Pit8254::in(uint16_t port, int) {
    if (port != kBasePort) return 0xFF;  // the control port is write-only; channels 1-2 absent
    const uint16_t count = latched_ ? latch_ : currentCount();
    const bool high = access_ == 2 || (access_ == 3 && read_high_next_);
    if (access_ == 3) read_high_next_ = !read_high_next_;
    if (latched_ && (access_ != 3 || !read_high_next_)) latched_ = false;
    return high ? (count >> 8) : (count & 0xFF);
}

void Pit8254::tickDelivered(uint64_t now) {
    ++ticks_;
    if (next_tick_ == kNever) return;
    const uint64_t missed = (now - next_tick_) / divisor_;
    next_tick_ += (missed + 1) * divisor_;
}

uint16_t Pit8254::currentCount() const {
    const uint64_t elapsed = now_() - loaded_at_;
    return static_cast<uint16_t>(divisor_ - elapsed % divisor_);
}

}  // namespace vl::vm
