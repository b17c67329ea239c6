// What every VirtLab fuzz target checks besides the sanitizers: bad input is reported as a
// vl::Error of kind Input (exit status 2 in the CLI). Any other exception escaping a parser
// of outside input -- std::out_of_range from a missed bounds check, a System error, a bare
// std::exception -- is a bug, so it aborts and libFuzzer keeps the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/error.h"

namespace vl::fuzz {

template <typename Body>
void expectOnlyInputErrors(Body&& body) {
    try {
        body();
    } catch (const vl::Error& e) {
        if (e.kind() == vl::Error::Kind::Input || e.kind() == vl::Error::Kind::Guest) return;
        std::fprintf(stderr, "fuzz: unexpected vl::Error (not bad input): %s\n", e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: unexpected exception: %s\n", e.what());
        std::abort();
    }
}

}  // namespace vl::fuzz
