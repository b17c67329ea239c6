// The emulation world's engines by the names the command line, the GUI and lessons use
// ("unicorn", "dbt" for the x86 -> AArch64 translator, "arm-direct"), so every front end offers
// the same choice and rejects an unknown name with the same message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"
#include "emulator/guest_image.h"
#include "emulator/unicorn_x86_engine.h"

namespace vl::emu {

const std::vector<std::string>& emulationEngineNames();

// Throws vl::Error(Input) "unknown engine 'x' (valid: unicorn, dbt, arm-direct)" for other names.
// options.max_instructions bounds ARM instructions for arm-direct (0: its default of 100000).
std::unique_ptr<Engine> makeEmulationEngine(const std::string& name, GuestImage image, EmulationOptions options = {});

// The one-line error for an unknown name, for parsers that check before loading anything.
void checkEmulationEngineName(const std::string& name);

}  // namespace vl::emu
