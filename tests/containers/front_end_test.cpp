// The process that serves `virtlab container run` maps only what starting a container needs:
// no Qt (virtlab-qt), no libarchive with libxml2 and ICU behind it, no libcrypto (image import
// in virtlab-image), no libseccomp (the filter is compiled at build time), and, linked
// statically, no shared object at all (the sanitizer build links it dynamically). Each mapped
// library is loader time before main() (containers/README.md, "Where a container run spends
// its time"). Checked twice: what the loader would load for the front end, and what a live
// `container run` process has mapped while its container runs. The same checks find
// libarchive in virtlab-image, so they work. And the split is invisible: `image` through the
// front end answers as virtlab-qt does.
#include <gtest/gtest.h>

#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "residue.h"
#include "tests/support/cli_runner.h"

extern char** environ;

namespace vl::test {
namespace {

const std::string kProgramDir = std::filesystem::path(VIRTLAB_EXE).parent_path().string();

// Libraries the container path must not map, by the start of their file names.
const std::vector<std::string> kUnwanted = {"libQt", "libarchive", "libcrypto", "libssl", "libxml2", "libicu",
                                            "libseccomp", "liblzma", "libzstd", "libnettle"};

std::vector<std::string> unwantedIn(const std::string& listing) {
    std::vector<std::string> found;
    for (const auto& name : kUnwanted)
        if (listing.find("/" + name) != std::string::npos) found.push_back(name);
    return found;
}

// What ld.so loads for a program, as ldd prints it (the program itself never runs).
std::string loadedLibraries(const std::string& program) {
    auto r = runProgram({"env", "LD_TRACE_LOADED_OBJECTS=1", program});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return r.out;
}

// Whether the kernel starts `program` through a loader (a PT_INTERP program header), read
// from the ELF file itself: a static program cannot be asked with LD_TRACE_LOADED_OBJECTS.
bool namesALoader(const std::string& program) {
    std::ifstream file(program, std::ios::binary);
    Elf64_Ehdr header{};
    if (!file.read(reinterpret_cast<char*>(&header), sizeof header)) return false;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(header.e_ident), 4), "\x7f" "ELF") << program;
    for (int i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr segment{};
        file.seekg(static_cast<std::streamoff>(header.e_phoff + static_cast<uint64_t>(i) * header.e_phentsize));
        if (!file.read(reinterpret_cast<char*>(&segment), sizeof segment)) break;
        if (segment.p_type == PT_INTERP) return true;
    }
    return false;
}

TEST(FrontEndLibraries, TheContainerProgramLoadsNoQtArchiveCryptoOrSeccomp) {
    if (VLAB_FRONT_END_STATIC) {
        EXPECT_FALSE(namesALoader(VIRTLAB_EXE)) << "the front end is linked statically: no ld.so, no shared object";
    } else {
        const std::string front = loadedLibraries(VIRTLAB_EXE);
        EXPECT_NE(front.find("libc.so"), std::string::npos) << front;
        EXPECT_TRUE(unwantedIn(front).empty()) << "the front end loads " << unwantedIn(front).front() << ":\n" << front;
    }
    EXPECT_TRUE(namesALoader(kProgramDir + "/virtlab-image"));
    // The check sees them where they are.
    const std::string image = loadedLibraries(kProgramDir + "/virtlab-image");
    EXPECT_NE(image.find("/libarchive"), std::string::npos) << image;
    EXPECT_EQ(image.find("/libQt"), std::string::npos) << "virtlab-image is Qt-free:\n" << image;
}

TEST(FrontEndLibraries, ARunningContainerRunMapsNoneOfThem) {
    if (::geteuid() != 0) GTEST_SKIP() << "containers need root here";
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> words{VIRTLAB_EXE, "container", "run", "--", "/bin/sh", "-c", "echo up; exec sleep 600"};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    ASSERT_EQ(::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);

    // "up" is the command running: by then the front end has mapped everything it ever will.
    std::string seen;
    pollfd fd{out[0], POLLIN, 0};
    while (seen.find("up\n") == std::string::npos && ::poll(&fd, 1, 60000) == 1) {
        char buf[64];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        seen.append(buf, static_cast<size_t>(n));
    }
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    const std::string mapped = text.str();

    ::kill(pid, SIGTERM);  // the front end stops its container and cleans up
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ::close(out[0]);
    ASSERT_NE(seen.find("up\n"), std::string::npos) << "the container never ran: " << seen;
    EXPECT_NE(mapped.find(std::filesystem::canonical(VIRTLAB_EXE).string()), std::string::npos) << mapped;
    if (VLAB_FRONT_END_STATIC) EXPECT_EQ(mapped.find(".so"), std::string::npos) << "a shared object in\n" << mapped;
    else EXPECT_NE(mapped.find("libc.so"), std::string::npos) << mapped;
    EXPECT_TRUE(unwantedIn(mapped).empty()) << "mapped " << unwantedIn(mapped).front() << ":\n" << mapped;
    EXPECT_TRUE(residueOf("").empty());
}

// `image` goes from the front end to virtlab-image: same text, same status as virtlab-qt.
TEST(FrontEndLibraries, ImageCommandsAnswerAsVirtlabQtDoes) {
    for (const std::vector<std::string>& words : {std::vector<std::string>{"image", "--help"},
                                                 {"image", "ls", "--json"},
                                                 {"image", "import", "/nonexistent/vlab-image.tar"},
                                                 {"image", "frobnicate"}}) {
        std::vector<std::string> direct{kProgramDir + "/virtlab-qt"};
        direct.insert(direct.end(), words.begin(), words.end());
        const auto via_front = runVirtlab(words), via_qt = runProgram(direct);
        EXPECT_EQ(via_front.exit_status, via_qt.exit_status) << words[1];
        EXPECT_EQ(via_front.out, via_qt.out) << words[1];
        EXPECT_EQ(via_front.err, via_qt.err) << words[1];
    }
}

}  // namespace
}  // namespace vl::test
