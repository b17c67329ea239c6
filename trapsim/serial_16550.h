// A 16550 UART, the subset a polling console driver uses: THR (transmit), LSR (line status),
// the divisor latch and the other control registers kept as plain storage, and the scratch
// register a driver probes to find the chip. Transmitted bytes become the guest's console.
// No receive data and no interrupts in this slice (IIR always says "none pending").
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "trapsim/io_bus.h"

namespace vl::vm {

class Serial16550 : public IoDevice {
public:
    // Register offsets from the base port (COM1 = 0x3F8), as in the National Semiconductor
    // PC16550D data sheet.
    enum Register : uint16_t { kThr = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7 };
    static constexpr uint8_t kLcrDlab = 0x80;          // divisor latch access bit
    static constexpr uint8_t kLsrThrEmpty = 0x20;      // THRE: transmit holding register empty
    static constexpr uint8_t kLsrTransmitterEmpty = 0x40;
    static constexpr size_t kConsoleLimit = 1 << 20;   // a runaway guest cannot eat the host's memory

    explicit Serial16550(uint16_t base_port = 0x3F8) : base_(base_port) {}

    std::string name() const override { return "serial 16550 (COM1)"; }
    uint32_t in(uint16_t port, int size) override;
    void out(uint16_t port, int size, uint32_t value) override;

    uint16_t basePort() const { return base_; }
    // Thread-safe: the GUI reads the console while the guest writes it.
    std::string console() const;
    uint64_t bytesTransmitted() const;

private:
    const uint16_t base_;
    uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, dll_ = 0, dlm_ = 0;
    mutable std::mutex mutex_;
    std::string console_;
    uint64_t transmitted_ = 0;
};

}  // namespace vl::vm
