#include "trapsim/io_bus.h"

#include "core/error.h"

namespace vl::vm {

void IoBus::attach(uint16_t first_port, uint16_t count, IoDevice* device) {
    for (const auto& r : ranges_) {
        const bool overlaps = first_port < r.first + r.count && r.first < first_port + count;
        // A wiring mistake in the monitor itself, not bad input.
        if (overlaps) throw Error(Error::Kind::System, "I/O ports of " + device->name() + " overlap " + r.device->name());
    }
    ranges_.push_back({first_port, count, device});
}

IoDevice* IoBus::deviceAt(uint16_t port) const {
    for (const auto& r : ranges_)
        if (port >= r.first && port < r.first + r.count) return r.device;
    return nullptr;
}

uint32_t IoBus::in(uint16_t port, int size) {
    if (IoDevice* d = deviceAt(port)) return d->in(port, size);
    ++unclaimed_;
    return size == 1 ? 0xFFu : size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
}

void IoBus::out(uint16_t port, int size, uint32_t value) {
    if (IoDevice* d = deviceAt(port)) return d->out(port, size, value);
    ++unclaimed_;
}

}  // namespace vl::vm
