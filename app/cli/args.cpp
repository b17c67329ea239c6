#include "app/cli/args.h"

#include <charconv>
#include <cstdio>
#include <sstream>

#include "core/error.h"

namespace vl::cli {

ArgParser::ArgParser(std::string usage, std::string summary)
    : usage_(std::move(usage)), summary_(std::move(summary)) {}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
    opts_.push_back({name, "", help, false, std::nullopt});
    return *this;
}

ArgParser& ArgParser::option(const std::string& name, const std::string& value_name, const std::string& help,
                             std::optional<std::string> default_value) {
    opts_.push_back({name, value_name, help, true, std::move(default_value)});
    return *this;
}

ArgParser& ArgParser::positional(const std::string& name, const std::string& help, bool required) {
    positionals_.push_back({name, help, required});
    return *this;
}

const ArgParser::Opt* ArgParser::findOpt(const std::string& name) const {
    for (const auto& o : opts_)
        if (o.name == name) return &o;
    return nullptr;
}

bool ArgParser::parse(const std::vector<std::string>& args) {
    size_t next_pos = 0;
    auto takePositional = [&](const std::string& word) {
        if (next_pos < positionals_.size()) {
            const auto& p = positionals_[next_pos];
            if (p.name.size() > 3 && p.name.ends_with("...")) {
                rest_.push_back(word);
            } else {
                pos_values_[p.name] = word;
                ++next_pos;
            }
            return;
        }
        throwInput("unexpected argument '" + word + "' (see --help)");
    };

    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            rest_.insert(rest_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (a == "--help" || a == "-h") {
            std::fputs(help().c_str(), stdout);
            return false;
        }
        if (a.size() > 2 && a.starts_with("--")) {
            std::string name = a, inline_value;
            bool has_inline = false;
            if (auto eq = a.find('='); eq != std::string::npos) {
                name = a.substr(0, eq);
                inline_value = a.substr(eq + 1);
                has_inline = true;
            }
            const Opt* o = findOpt(name);
            if (!o) throwInput("unknown option " + name + " (see --help)");
            if (o->takes_value) {
                if (has_inline) {
                    values_[name] = inline_value;
                } else {
                    if (i + 1 >= args.size()) throwInput("option " + name + " needs a value " + o->value_name);
                    values_[name] = args[++i];
                }
            } else {
                if (has_inline) throwInput("option " + name + " takes no value");
                values_[name] = "";
            }
            continue;
        }
        if (a.size() > 1 && a[0] == '-') throwInput("unknown option " + a + " (see --help)");
        takePositional(a);
    }
    for (size_t p = next_pos; p < positionals_.size(); ++p) {
        const auto& pos = positionals_[p];
        const bool variadic = pos.name.ends_with("...");
        if (pos.required && !(variadic && !rest_.empty()))
            throwInput("missing " + pos.name + " (usage: " + usage_ + ")");
    }
    return true;
}

bool ArgParser::has(const std::string& name) const { return values_.count(name) != 0; }

std::optional<std::string> ArgParser::optionalValue(const std::string& name) const {
    if (auto it = values_.find(name); it != values_.end()) return it->second;
    if (const Opt* o = findOpt(name); o && o->default_value) return o->default_value;
    return std::nullopt;
}

std::string ArgParser::value(const std::string& name) const { return optionalValue(name).value_or(""); }

uint64_t ArgParser::unsignedValue(const std::string& name, uint64_t fallback) const {
    auto v = optionalValue(name);
    if (!v) return fallback;
    uint64_t out = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || ptr != v->data() + v->size() || v->empty())
        throwInput(name + ": not a non-negative whole number: '" + *v + "'");
    return out;
}

double ArgParser::doubleValue(const std::string& name, double fallback) const {
    auto v = optionalValue(name);
    if (!v) return fallback;
    std::istringstream in(*v);
    double out = 0;
    in >> out;
    if (!in || !in.eof()) throwInput(name + ": not a number: '" + *v + "'");
    return out;
}

std::string ArgParser::positionalValue(const std::string& name) const {
    auto it = pos_values_.find(name);
    return it == pos_values_.end() ? "" : it->second;
}

std::string ArgParser::help() const {
    std::ostringstream out;
    out << "Usage: " << usage_ << "\n\n" << summary_ << "\n";
    if (!positionals_.empty()) {
        out << "\nArguments:\n";
        for (const auto& p : positionals_) out << "  " << p.name << std::string(p.name.size() < 22 ? 22 - p.name.size() : 1, ' ') << p.help << "\n";
    }
    out << "\nOptions:\n";
    for (const auto& o : opts_) {
        std::string left = o.name + (o.takes_value ? " " + o.value_name : "");
        out << "  " << left << std::string(left.size() < 22 ? 22 - left.size() : 1, ' ') << o.help;
        if (o.default_value) out << " (default: " << *o.default_value << ")";
        out << "\n";
    }
    out << "  --help                Show this help\n";
    return out.str();
}

}  // namespace vl::cli
