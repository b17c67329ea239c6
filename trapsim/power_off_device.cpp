#include "trapsim/power_off_device.h"

namespace vl::vm {

void PowerOffDevice::out(uint16_t /*port*/, int /*size*/, uint32_t value) {
    if (!exit_code_) exit_code_ = static_cast<int>(value & 0xFF);
}

}  // namespace vl::vm
