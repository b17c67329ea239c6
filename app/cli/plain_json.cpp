#include "app/cli/plain_json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace vl::cli::plain {
namespace {

// QJsonValue(double) keeps an integral value as an integer when that adds no precision the
// double lacks, i.e. up to 2^53; above it a double stays a double ("1e+16").
constexpr double kLargestExactInteger = 9007199254740992.0;  // 2^53

// A double as Qt writes it: the shortest digits that read back to the same value, in decimal
// or scientific form, whichever is shorter (QLocale's FloatingPointShortest with 'g', exponent
// of at least two digits): 0.001, 1e-04, 1.5e-07, 12.5, 1e+16. Not finite: null, as Qt does.
std::string qtNumber(double d) {
    if (!std::isfinite(d)) return "null";
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    if (ec != std::errc()) return "null";
    const std::string text(buf, end);  // "-1.2345e+06": sign, mantissa, exponent
    const bool negative = text[0] == '-';
    const auto e_at = text.find('e');
    std::string digits;
    for (size_t i = negative ? 1 : 0; i < e_at; ++i)
        if (text[i] != '.') digits += text[i];
    const int exponent = std::atoi(text.c_str() + e_at + 1);
    const int decpt = exponent + 1;  // value = 0.DIGITS x 10^decpt
    const int n = static_cast<int>(digits.size());

    // Qt's choice between the forms (qlocale.cpp): the extra length of the exponent form is
    // "e", sign and two digits; a lone digit needs no '.', and padding zeros count.
    int bias = 4;
    if (n <= decpt && n > 1) ++bias;
    else if (n == 1 && decpt <= 0) --bias;
    const bool decimal = decpt <= 0 ? 1 - decpt <= bias : decpt <= n ? true : decpt <= n + bias;

    std::string out = negative ? "-" : "";
    if (decimal) {
        if (decpt <= 0) out += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
        else if (decpt >= n) out += digits + std::string(static_cast<size_t>(decpt - n), '0');
        else out += digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    } else {
        out += digits.substr(0, 1);
        if (n > 1) out += "." + digits.substr(1);
        const int magnitude = std::abs(exponent);
        out += exponent < 0 ? "e-" : "e+";
        if (magnitude < 10) out += '0';
        out += std::to_string(magnitude);
    }
    return out;
}

// A string as Qt writes it: UTF-8, the short escapes, \u00xx for other control characters;
// invalid UTF-8 becomes U+FFFD as QString::fromStdString makes it.
std::string quoted(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void write(const nlohmann::json& v, int depth, std::string& out) {
    const std::string pad(static_cast<size_t>(4 * depth), ' ');
    const std::string inner(static_cast<size_t>(4 * (depth + 1)), ' ');
    // Qt writes an empty array or object across two lines too: "[\n" then the closing pad.
    if (v.is_object()) {
        out += "{\n";
        size_t left = v.size();
        for (const auto& [key, value] : v.items()) {
            out += inner + quoted(key) + ": ";
            write(value, depth + 1, out);
            out += --left ? ",\n" : "\n";
        }
        out += pad + "}";
    } else if (v.is_array()) {
        out += "[\n";
        size_t left = v.size();
        for (const auto& value : v) {
            out += inner;
            write(value, depth + 1, out);
            out += --left ? ",\n" : "\n";
        }
        out += pad + "]";
    } else if (v.is_string()) {
        out += quoted(v.get_ref<const std::string&>());
    } else if (v.is_number_float()) {
        out += qtNumber(v.get<double>());
    } else {
        out += v.dump();  // null, true, false, integers
    }
}

}  // namespace

JsonValue::JsonValue(double d) {
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kLargestExactInteger) data_ = static_cast<int64_t>(d);
    else data_ = d;
}

JsonValue::JsonValue(const JsonObject& o) : data_(o.data()) {}
JsonValue::JsonValue(const JsonArray& a) : data_(a.data()) {}

JsonObject::JsonObject(std::initializer_list<std::pair<std::string, JsonValue>> members) : JsonObject() {
    for (const auto& [key, value] : members) insert(key, value);
}

JsonArray::JsonArray(std::initializer_list<JsonValue> items) : JsonArray() {
    for (const auto& item : items) append(item);
}

std::string toIndentedJson(const JsonObject& object) {
    std::string out;
    write(object.data(), 0, out);
    return out + "\n";
}

void printJson(const JsonObject& object) {
    const std::string text = toIndentedJson(object);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

JsonObject toJson(const Counters& counters) {
    JsonObject out;
    for (const auto& [name, value] : counters) out.insert(name, static_cast<int64_t>(value));
    return out;
}

JsonObject toJson(const std::map<std::string, std::string>& strings) {
    JsonObject out;
    for (const auto& [name, value] : strings) out.insert(name, value);
    return out;
}

}  // namespace vl::cli::plain
