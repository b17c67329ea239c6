// The other halves of `virtlab`. The front end (app/main.cpp) serves `container` itself and
// hands every other invocation to a helper with execv: same pid, same argv, same stdio, so exit
// status, output and signals are those of one program to the user.
//   virtlab-image  the `image` commands (import needs libarchive, which `container run` must not map)
//   virtlab-qt     everything else: the desktop, lessons, emulator, VMMs, the top-level help
#pragma once

#include <string>
#include <vector>

namespace vl::launcher {

// Where helper `name` may be, best first, for a front end at `self`: beside it (the build
// tree), then the install layout relative to it (BINDIR/../LIBEXECDIR/virtlab), then the
// configured install prefix.
std::vector<std::string> helperProgramCandidates(const std::string& self, const std::string& name);

// Replaces this process with `name argv[1...]` (argv[0] kept). Sets VIRTLAB_FRONT_END to the
// front end's path, so a helper can start the front end again (bench containers measures it).
// Returns only on failure, with the exit status after printing why; `what` says in that
// message what the helper serves.
int execHelperProgram(const std::string& name, const char* what, char** argv);

}  // namespace vl::launcher
