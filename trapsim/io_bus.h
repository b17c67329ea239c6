// The guest's I/O port space. Devices claim port ranges; an access no device claims behaves
// as on a PC's ISA bus: reads float high (all ones) and writes vanish.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vl::vm {

class IoDevice {
public:
    virtual ~IoDevice() = default;
    virtual std::string name() const = 0;
    // size is 1, 2 or 4 bytes (in al/ax/eax, out dx, al/ax/eax).
    virtual uint32_t in(uint16_t port, int size) = 0;
    virtual void out(uint16_t port, int size, uint32_t value) = 0;
};

class IoBus {
public:
    // The bus does not own devices; the monitor does, and outlives the bus.
    void attach(uint16_t first_port, uint16_t count, IoDevice* device);
    IoDevice* deviceAt(uint16_t port) const;

    uint32_t in(uint16_t port, int size);
    void out(uint16_t port, int size, uint32_t value);

    uint64_t unclaimedAccesses() const { return unclaimed_; }

private:
    struct Range {
        uint16_t first;
        uint16_t count;
        IoDevice* device;
    };
    std::vector<Range> ranges_;
    uint64_t unclaimed_ = 0;
};

}  // namespace vl::vm
