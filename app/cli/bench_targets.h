// The `virtlab bench` targets (dbt, vm, containers). Each world's benchmark is one file in
// app/cli/ that registers itself with VIRTLAB_BENCH, so the worlds never edit a shared list.
//
// A target gets the words after its name (e.g. `--json`), measures, prints text or exactly one
// JSON object (the fields in DESIGN.md), and returns the exit status like any command.
#pragma once

#include <string>
#include <vector>

#include "app/cli/commands.h"

namespace vl::cli {

struct BenchTarget {
    std::string name;         // "dbt"
    std::string description;  // one line for `virtlab bench --help`
    CommandFn run;
};

const std::vector<BenchTarget>& benchTargets();

struct BenchRegistrar {
    explicit BenchRegistrar(BenchTarget target);
};

}  // namespace vl::cli

#define VIRTLAB_BENCH(ident, ...) \
    static const ::vl::cli::BenchRegistrar ident##_bench_registrar{::vl::cli::BenchTarget{__VA_ARGS__}}
