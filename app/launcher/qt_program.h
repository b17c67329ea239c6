// The Qt half of `virtlab`. The front end (app/main.cpp) serves the commands that need no Qt
// itself and hands every other invocation to `virtlab-qt` with execv: same pid, same argv,
// same stdio, so exit status, output and signals are those of one program to the user.
#pragma once

#include <string>
#include <vector>

namespace vl::launcher {

// Where `virtlab-qt` may be, best first, for a front end at `self`: beside it (the build
// tree), then the install layout relative to it (BINDIR/../LIBEXECDIR/virtlab), then the
// configured install prefix.
std::vector<std::string> qtProgramCandidates(const std::string& self);

// Replaces this process with `virtlab-qt argv[1...]` (argv[0] kept). Sets VIRTLAB_FRONT_END to
// the front end's path, so `virtlab-qt` can start the front end again (bench containers
// measures it). Returns only on failure, with the exit status after printing why.
int execQtProgram(char** argv);

}  // namespace vl::launcher
