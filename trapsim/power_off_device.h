// The machine's off switch, modelled on QEMU's isa-debug-exit device: a byte written to its
// port (0xF4 by default) powers the machine off, and the byte is the guest's exit code
// (QEMU itself exits with (code << 1) | 1; VirtLab passes the code through unchanged).
#pragma once

#include <cstdint>
#include <optional>

#include "trapsim/io_bus.h"

namespace vl::vm {

class PowerOffDevice : public IoDevice {
public:
    static constexpr uint16_t kDefaultPort = 0xF4;

    explicit PowerOffDevice(uint16_t port = kDefaultPort) : port_(port) {}

    std::string name() const override { return "power-off device"; }
    uint32_t in(uint16_t /*port*/, int /*size*/) override { return 0; }
    void out(uint16_t port, int size, uint32_t value) override;

    uint16_t port() const { return port_; }
    // Set once the guest has switched the machine off; holds its exit code.
    std::optional<int> exitCode() const { return exit_code_; }

private:
    const uint16_t port_;
    std::optional<int> exit_code_;
};

}  // namespace vl::vm
