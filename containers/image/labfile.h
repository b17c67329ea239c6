// The Labfile: a Dockerfile subset (FROM scratch|busybox|NAME, RUN, COPY, ENV, WORKDIR, CMD).
// Syntax as Docker's: one instruction per line, keywords in any case, '#' comments, a
// trailing '\' continues a line, RUN and CMD in shell form or JSON exec form ["a", "b"].
// Not supported (refused with the line): ADD, ARG, multi-stage builds, COPY --flags, globs,
// $VARIABLE substitution.
#pragma once

#include <string>
#include <vector>

namespace vl::ct::image {

enum class Instruction { From, Run, Copy, Env, Workdir, Cmd };
const char* toString(Instruction instruction);

struct LabfileStep {
    Instruction instruction = Instruction::From;
    long line = 0;                   // 1-based line of the keyword
    std::string text;                // "COPY a.txt /srv/" as written (continuations joined)
    std::vector<std::string> args;   // FROM: {image}; COPY: sources..., destination;
                                     // WORKDIR: {path}; ENV: {"K=v", ...};
                                     // RUN/CMD: exec form argv, or {shell command} when shell_form
    bool shell_form = false;         // RUN/CMD written as a plain command: run by /bin/sh -c
};

struct Labfile {
    std::string path;
    std::vector<LabfileStep> steps;  // steps[0] is the FROM
};

// Throws vl::Error(Input) "PATH:LINE: reason" for an unknown instruction, a missing argument,
// a bad JSON array, a first instruction that is not FROM, or a second FROM.
Labfile parseLabfile(const std::string& text, const std::string& path);
Labfile readLabfile(const std::string& path);  // also "PATH: cannot read" when missing

}  // namespace vl::ct::image
