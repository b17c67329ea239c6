#include "containers/image/labfile.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "containers/file_io.h"
#include "core/error.h"

namespace vl::ct::image {

namespace {

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// Words split on blanks; "double" and 'single' quotes group (and are removed), as Docker's
// COPY/ENV word splitting does for the simple cases.
std::vector<std::string> words(const std::string& text, const std::string& file, long line) {
    std::vector<std::string> out;
    std::string current;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote) quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size()) current += text[++i];
            else current += c;
        } else if (c == '"' || c == '\'') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            current += text[++i];
            in_word = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word) out.push_back(current);
            current.clear();
            in_word = false;
        } else {
            current += c;
            in_word = true;
        }
    }
    if (quote) throwInputAt(file, line, "unterminated quote");
    if (in_word) out.push_back(current);
    return out;
}

// RUN/CMD: a JSON array of strings is the exec form, anything else the shell form.
void parseCommand(LabfileStep& step, const std::string& rest, const std::string& file) {
    if (!rest.empty() && rest[0] == '[') {
        nlohmann::json array;
        try {
            array = nlohmann::json::parse(rest);
        } catch (const nlohmann::json::exception&) {
            throwInputAt(file, step.line, std::string(toString(step.instruction)) + ": not a JSON array of strings: " + rest);
        }
        if (!array.is_array() || array.empty())
            throwInputAt(file, step.line, std::string(toString(step.instruction)) + ": the exec form needs a non-empty JSON array");
        for (const auto& item : array) {
            if (!item.is_string()) throwInputAt(file, step.line, std::string(toString(step.instruction)) + ": array items must be strings");
            step.args.push_back(item.get<std::string>());
        }
        return;
    }
    step.shell_form = true;
    step.args = {rest};
}

bool validEnvName(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

const char* toString(Instruction instruction) {
    switch (instruction) {
    case Instruction::From: return "FROM";
    case Instruction::Run: return "RUN";
    case Instruction::Copy: return "COPY";
    case Instruction::Env: return "ENV";
    case Instruction::Workdir: return "WORKDIR";
    case Instruction::Cmd: return "CMD";
    }
    return "?";
}

Labfile parseLabfile(const std::string& text, const std::string& path) {
    Labfile labfile;
    labfile.path = path;
    std::istringstream in(text);
    std::string raw;
    long line_no = 0;
    while (std::getline(in, raw)) {
        ++line_no;
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        const long first_line = line_no;
        while (!line.empty() && line.back() == '\\') {
            line.pop_back();
            std::string next;
            if (!std::getline(in, next)) break;
            ++line_no;
            next = trim(next);
            if (!next.empty() && next[0] == '#') continue;  // comments inside a continuation, as Docker
            line += " " + next;
        }
        line = trim(line);
        const size_t space = line.find_first_of(" \t");
        std::string keyword = line.substr(0, space);
        std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::toupper(c); });
        const std::string rest = space == std::string::npos ? "" : trim(line.substr(space));

        LabfileStep step;
        step.line = first_line;
        step.text = keyword + (rest.empty() ? "" : " " + rest);
        if (keyword == "FROM") step.instruction = Instruction::From;
        else if (keyword == "RUN") step.instruction = Instruction::Run;
        else if (keyword == "COPY") step.instruction = Instruction::Copy;
        else if (keyword == "ENV") step.instruction = Instruction::Env;
        else if (keyword == "WORKDIR") step.instruction = Instruction::Workdir;
        else if (keyword == "CMD") step.instruction = Instruction::Cmd;
        else if (keyword == "ADD" || keyword == "ARG" || keyword == "ENTRYPOINT" || keyword == "EXPOSE" ||
                 keyword == "LABEL" || keyword == "USER" || keyword == "VOLUME")
            throwInputAt(path, first_line, "the Docker instruction " + keyword +
                                               " is not in the Labfile subset (FROM, RUN, COPY, ENV, WORKDIR, CMD)");
        else
            throwInputAt(path, first_line, "unknown instruction '" + keyword + "' (FROM, RUN, COPY, ENV, WORKDIR, CMD)");

        if (rest.empty()) throwInputAt(path, first_line, keyword + " needs an argument");
        if (labfile.steps.empty() && step.instruction != Instruction::From)
            throwInputAt(path, first_line, "the first instruction must be FROM (found " + keyword + ")");
        if (!labfile.steps.empty() && step.instruction == Instruction::From)
            throwInputAt(path, first_line, "only one FROM: multi-stage builds are not in the Labfile subset");

        switch (step.instruction) {
        case Instruction::From:
            step.args = words(rest, path, first_line);
            if (step.args.size() != 1) throwInputAt(path, first_line, "FROM takes one image: scratch, busybox or a NAME");
            break;
        case Instruction::Run:
        case Instruction::Cmd:
            parseCommand(step, rest, path);
            break;
        case Instruction::Copy:
            step.args = words(rest, path, first_line);
            if (!step.args.empty() && step.args[0].rfind("--", 0) == 0)
                throwInputAt(path, first_line, "COPY option " + step.args[0] + " is not supported");
            if (step.args.size() < 2) throwInputAt(path, first_line, "COPY needs a source and a destination");
            if (step.args.size() > 2 && step.args.back().back() != '/')
                throwInputAt(path, first_line, "COPY with several sources needs a destination ending in '/'");
            break;
        case Instruction::Workdir:
            step.args = words(rest, path, first_line);
            if (step.args.size() != 1) throwInputAt(path, first_line, "WORKDIR takes one path");
            break;
        case Instruction::Env: {
            const auto parts = words(rest, path, first_line);
            if (!parts.empty() && parts[0].find('=') == std::string::npos) {
                // Legacy form "ENV KEY value with spaces".
                const size_t gap = rest.find_first_of(" \t");
                if (gap == std::string::npos) throwInputAt(path, first_line, "ENV " + parts[0] + " needs a value");
                step.args = {parts[0] + "=" + trim(rest.substr(gap))};
            } else {
                step.args = parts;
            }
            for (const auto& pair : step.args) {
                const size_t eq = pair.find('=');
                if (eq == std::string::npos) throwInputAt(path, first_line, "ENV expects KEY=value, got '" + pair + "'");
                if (!validEnvName(pair.substr(0, eq)))
                    throwInputAt(path, first_line, "ENV: '" + pair.substr(0, eq) + "' is not a variable name");
            }
            break;
        }
        }
        labfile.steps.push_back(std::move(step));
    }
    if (labfile.steps.empty()) throwInputAt(path, 0, "no instructions (a Labfile starts with FROM)");
    return labfile;
}

Labfile readLabfile(const std::string& path) {
    const auto text = readTextFile(path);
    if (!text) throwInputAt(path, 0, "cannot read the Labfile");
    return parseLabfile(*text, path);
}

}  // namespace vl::ct::image
