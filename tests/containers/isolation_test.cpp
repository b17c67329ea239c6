// Root tests of what a container's root may still do, through the real `virtlab` binary:
// the hardening mainstream runtimes apply (capabilities, no_new_privs, seccomp, masked and
// read-only /proc and /sys paths) and the root switch (--isolation pivot versus chroot, the
// classic chroot escape).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "containers/rootfs.h"
#include "core/temp_dir.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

class ContainerIsolation : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "containers need root";
    }
    // Runs a shell line in a container; stdout, with stderr folded in for failure messages.
    CliResult sh(const std::string& line, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"container", "run"};
        args.insert(args.end(), extra.begin(), extra.end());
        for (const char* a : {"--", "/bin/sh", "-c"}) args.push_back(a);
        args.push_back(line);
        return runVirtlab(args);
    }
};

std::string statusField(const std::string& status, const std::string& field) {
    std::istringstream lines(status);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(field + ":", 0) == 0) {
            std::string value = line.substr(field.size() + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            return value;
        }
    return "(no " + field + ")";
}

TEST_F(ContainerIsolation, CapabilitiesNoNewPrivsAndSeccompAsDockerSetsThem) {
    const CliResult r = sh("cat /proc/self/status");
    ASSERT_EQ(r.exit_status, 0) << r.err;
    // 0xa80425fb: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
    // NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
    EXPECT_EQ(statusField(r.out, "CapEff"), "00000000a80425fb");
    EXPECT_EQ(statusField(r.out, "CapPrm"), "00000000a80425fb");
    EXPECT_EQ(statusField(r.out, "CapBnd"), "00000000a80425fb");
    EXPECT_EQ(statusField(r.out, "CapInh"), "0000000000000000");
    EXPECT_EQ(statusField(r.out, "CapAmb"), "0000000000000000");
    EXPECT_EQ(statusField(r.out, "NoNewPrivs"), "1");
    EXPECT_EQ(statusField(r.out, "Seccomp"), "2") << "2 = filter mode";
}

TEST_F(ContainerIsolation, MaskedPathsReadEmpty) {
    // /proc/keys and /proc/timer_list exist on every kernel with keys and hrtimers; outside a
    // container (as root) both have content.
    const CliResult r = sh("wc -c < /proc/keys; wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l");
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "0\n0\n0\n");
    std::ifstream host_timers("/proc/timer_list");
    std::string first;
    EXPECT_TRUE(std::getline(host_timers, first) && !first.empty()) << "the host's is not empty";
}

TEST_F(ContainerIsolation, ProcSysSysAndSysrqAreReadOnly) {
    const CliResult r = sh("echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo wrote-sysctl;"
                           "echo h > /proc/sysrq-trigger 2>/dev/null && echo wrote-sysrq;"
                           "touch /sys/vlab 2>/dev/null && echo wrote-sys;"
                           "cat /proc/sys/kernel/ostype");
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "Linux\n") << "reading still works, no write got through";
}

TEST_F(ContainerIsolation, MountAndUnshareUserInsideFail) {
    const CliResult r = sh("mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo mount-refused;"
                           "umount /proc/keys 2>/dev/null && echo unmasked;"
                           "unshare -U true 2>/dev/null && echo userns;"
                           "echo done");
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out.find("mounted"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mount-refused"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("unmasked"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("userns"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("done"), std::string::npos) << r.out;
}

TEST_F(ContainerIsolation, ChrootEscapeWorksUnderChrootAndFailsUnderPivotRoot) {
    // A file only the host has; the escape program reads it by its host path.
    TempDir temp("vlab-escape-test");
    const std::string secret = temp.path() + "/host-secret";
    std::ofstream(secret) << "host file system reached\n";
    // A root file system of our own that carries the (static) escape program.
    const std::string rootfs = temp.path() + "/rootfs";
    ct::BusyboxRootfs(rootfs).ensure();
    std::filesystem::copy_file(VLAB_CHROOT_ESCAPE, rootfs + "/escape");

    auto escape = [&](const char* isolation) {
        return runVirtlab({"container", "run", "--isolation", isolation, "--rootfs", rootfs, "--", "/escape", secret});
    };
    const CliResult chroot = escape("chroot");
    EXPECT_EQ(chroot.exit_status, 0) << chroot.out << chroot.err;
    EXPECT_EQ(chroot.out, "host file system reached\n");

    const CliResult pivot = escape("pivot");
    EXPECT_EQ(pivot.exit_status, 1) << pivot.out << pivot.err;
    EXPECT_NE(pivot.out.find("confined"), std::string::npos) << pivot.out;
    EXPECT_TRUE(residueOf("").empty());
}

TEST_F(ContainerIsolation, BadIsolationIsAUsageError) {
    const CliResult r = runVirtlab({"container", "run", "--isolation", "jail", "--", "true"});
    EXPECT_EQ(r.exit_status, 2);
    EXPECT_NE(r.err.find("--isolation"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vl::test
