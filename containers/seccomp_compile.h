// The default seccomp filter (hardening.h's denial list) compiled by libseccomp. Only the build
// (tools/seccomp_bpf_gen.cpp, which writes the program into the runtime as data) and the tests
// that check that program link this: a container start needs the BPF, not the compiler, so the
// process serving `virtlab container run` neither loads libseccomp nor compiles the filter
// before its container can start (containers/README.md, "Where a container run spends its time").
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace vl::ct {

// The default filter compiled to classic BPF by libseccomp, for this machine's native
// architecture plus its 32-bit compat ABIs (so int 0x80 cannot go around the list).
// Throws vl::Error(System) if libseccomp refuses.
std::vector<sock_filter> compileDefaultSeccompFilter();

// The libseccomp version that compiles it ("2.5.4"), named in the generated source.
std::string seccompLibraryVersion();

}  // namespace vl::ct
