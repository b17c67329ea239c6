// A small command-line parser for the `virtlab` subcommands. It knows the subcommand's
// options up front, so it can reject an unknown one, print a --help generated from the same
// table, and stop option parsing at "--" (container run ... -- CMD ARG...).
// Every usage mistake becomes a vl::Error of kind Input: exit status 2 and a one-line reason.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vl::cli {

class ArgParser {
public:
    // usage: "virtlab emulate FILE [options]"; summary: one sentence for --help.
    ArgParser(std::string usage, std::string summary);

    // A boolean switch: --trace
    ArgParser& flag(const std::string& name, const std::string& help);
    // An option taking a value: --engine NAME (also accepted as --engine=NAME)
    ArgParser& option(const std::string& name, const std::string& value_name, const std::string& help,
                      std::optional<std::string> default_value = std::nullopt);
    // Named positional arguments, in order; a trailing "..." name takes the rest.
    ArgParser& positional(const std::string& name, const std::string& help, bool required = true);

    // Parses args (the words after the subcommand). Returns false when --help was asked for
    // (the help text has been printed to stdout); throws vl::Error(Input) on a usage error.
    bool parse(const std::vector<std::string>& args);

    bool has(const std::string& flag_or_option) const;
    std::string value(const std::string& option) const;       // "" when absent without default
    std::optional<std::string> optionalValue(const std::string& option) const;
    // Typed values with a clear error naming the option: "--max-insns: not a number: 'x'".
    uint64_t unsignedValue(const std::string& option, uint64_t fallback) const;
    double doubleValue(const std::string& option, double fallback) const;
    std::string positionalValue(const std::string& name) const;  // "" when absent
    const std::vector<std::string>& rest() const { return rest_; }  // after "--" or a "..." positional

    std::string help() const;

private:
    struct Opt {
        std::string name, value_name, help;
        bool takes_value = false;
        std::optional<std::string> default_value;
    };
    struct Pos {
        std::string name, help;
        bool required = true;
    };
    std::string usage_, summary_;
    std::vector<Opt> opts_;
    std::vector<Pos> positionals_;
    std::map<std::string, std::string> values_;  // option or flag name -> value ("" for flags)
    std::map<std::string, std::string> pos_values_;
    std::vector<std::string> rest_;

    const Opt* findOpt(const std::string& name) const;
};

}  // namespace vl::cli
