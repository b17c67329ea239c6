#include "emulator/engine_factory.h"

#include "core/error.h"
#include "emulator/arm_direct_engine.h"
#include "emulator/dbt/dbt_engine.h"

namespace vl::emu {

const std::vector<std::string>& emulationEngineNames() {
    static const std::vector<std::string> names{"unicorn", "dbt", "arm-direct"};
    return names;
}

void checkEmulationEngineName(const std::string& name) {
    std::string valid;
    for (const auto& n : emulationEngineNames()) {
        if (n == name) return;
        valid += (valid.empty() ? "" : ", ") + n;
    }
    throwInput("unknown engine '" + name + "' (valid: " + valid + ")");
}

std::unique_ptr<Engine> makeEmulationEngine(const std::string& name, GuestImage image, EmulationOptions options) {
    checkEmulationEngineName(name);
    if (name == "arm-direct")
        return std::make_unique<ArmDirectEngine>(std::move(image), options.max_instructions ? options.max_instructions : 100000);
    if (name == "dbt") return std::make_unique<DbtEngine>(std::move(image), std::move(options));
    return std::make_unique<UnicornX86Engine>(std::move(image), std::move(options));
}

}  // namespace vl::emu
