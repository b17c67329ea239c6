// Unit tests of the runtime's pure parts added with networking and the command options: the
// bridge's address pool, veth names, --net/--user/--env/--workdir parsing, the environment a
// command gets, the state record's new fields, and where the plan puts --workdir, --user and
// --init.
#include <gtest/gtest.h>

#include "containers/container_config.h"
#include "containers/container_plan.h"
#include "containers/container_state.h"
#include "containers/net/address_pool.h"
#include "containers/net/network_info.h"
#include "core/error.h"

namespace vl::ct {
namespace {

using Op = ChildPlan::Op;

TEST(AddressPool, FormatsAndParsesDottedQuads) {
    EXPECT_EQ(net::formatIpv4(net::kBridgeGateway), "10.88.0.1");
    EXPECT_EQ(net::parseIpv4("10.88.1.255"), (10u << 24) | (88u << 16) | (1u << 8) | 255u);
    for (const char* bad : {"", "10.88.0", "10.88.0.1.2", "10.88.0.256", "10.88.-1.1", "a.b.c.d", "10.88.0.1 ", "1000.1.1.1"})
        EXPECT_FALSE(net::parseIpv4(bad)) << bad;
}

TEST(AddressPool, LowestFreeSkipsTheGatewayAndTakenOnes) {
    const uint32_t first = net::kBridgeGateway + 1;
    EXPECT_EQ(net::lowestFreeAddress({}), first);
    EXPECT_EQ(net::formatIpv4(*net::lowestFreeAddress({})), "10.88.0.2");
    EXPECT_EQ(net::lowestFreeAddress({first, first + 1, first + 3}), first + 2);
    // 10.88.0.255 and 10.88.1.0 are ordinary host addresses in a /16.
    std::set<uint32_t> used;
    for (uint32_t a = first; a < net::kBridgeSubnet + 256; ++a) used.insert(a);
    EXPECT_EQ(net::formatIpv4(*net::lowestFreeAddress(used)), "10.88.1.0");
    // Full: everything but network, gateway and broadcast taken.
    for (uint32_t a = first; a < net::kBridgeSubnet + 0xffff; ++a) used.insert(a);
    EXPECT_FALSE(net::lowestFreeAddress(used));
}

TEST(NetworkNames, HostVethIsVlPlusTheIdAndFitsIfnamsiz) {
    EXPECT_EQ(net::hostVethName("3f2a9c0d1b7e"), "vl3f2a9c0d1b7e");
    EXPECT_LT(net::hostVethName("3f2a9c0d1b7e").size(), 16u);
    EXPECT_EQ(net::idOfHostVeth("vl3f2a9c0d1b7e"), "3f2a9c0d1b7e");
    for (const char* other : {"vlab0", "vl3f2a9c0d1b7", "eth0", "vl3f2a9c0d1b7E", "xx3f2a9c0d1b7e"})
        EXPECT_EQ(net::idOfHostVeth(other), "") << other;
    EXPECT_EQ(net::parseNetworkMode("bridge"), net::NetworkMode::Bridge);
    EXPECT_EQ(net::parseNetworkMode("none"), net::NetworkMode::None);
    EXPECT_THROW(net::parseNetworkMode("host"), Error);
}

TEST(UserOption, NumericUidAndOptionalGid) {
    EXPECT_EQ(parseUser("1000").uid, 1000u);
    EXPECT_EQ(parseUser("1000").gid, 0u);
    EXPECT_EQ(parseUser("1000:100").gid, 100u);
    EXPECT_EQ(parseUser("0:0").text(), "0:0");
    EXPECT_EQ(parseUser("4294967294").uid, 4294967294u);
    for (const char* bad : {"", ":", "root", "1000:", ":1000", "-1", "1000:x", "4294967295", "99999999999", "1 000"}) {
        try {
            parseUser(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), Error::Kind::Input);
            EXPECT_NE(std::string(e.what()).find("--user"), std::string::npos);
        }
    }
}

TEST(Environment, DefaultsThenGivenValuesWinByKey) {
    const auto env = containerEnvironment("box", "xterm", std::nullopt, {"FOO=1", "PATH=/bin", "FOO=2", "EMPTY="});
    EXPECT_EQ(environmentValue(env, "PATH"), "/bin");
    EXPECT_EQ(environmentValue(env, "FOO"), "2");
    EXPECT_EQ(environmentValue(env, "HOME"), "/root");
    EXPECT_EQ(environmentValue(env, "HOSTNAME"), "box");
    EXPECT_EQ(environmentValue(env, "TERM"), "xterm");
    EXPECT_EQ(std::count(env.begin(), env.end(), "EMPTY="), 1);
    EXPECT_EQ(std::count_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("FOO=", 0) == 0; }), 1);
    EXPECT_EQ(environmentValue(containerEnvironment("box", "", UserSpec{1000, 0}, {}), "HOME"), "/");
    // The PATH search follows the command's PATH.
    EXPECT_EQ(execCandidates("ls", "/opt/bin:/bin"), (std::vector<std::string>{"/opt/bin/ls", "/bin/ls"}));
}

TEST(ConfigCheck, EnvAndWorkdirMustBeWellFormed) {
    ContainerConfig config;
    config.argv = {"true"};
    config.env = {"A=1", "B="};
    config.workdir = "/srv/app";
    EXPECT_NO_THROW(validateConfig(config));
    for (const char* bad : {"NOVALUE", "=x"}) {
        ContainerConfig c = config;
        c.env = {bad};
        EXPECT_THROW(validateConfig(c), Error) << bad;
    }
    for (const char* bad : {"relative", "/a/../b", "/a/", "/a//b"}) {
        ContainerConfig c = config;
        c.workdir = bad;
        EXPECT_THROW(validateConfig(c), Error) << bad;
    }
}

TEST(ContainerRecord, NetworkEnvUserAndInitRoundTrip) {
    ContainerRecord r;
    r.id = "0123456789ab";
    r.hostname = "box";
    r.status = "running";
    r.network.mode = "bridge";
    r.network.address = "10.88.0.7";
    r.network.prefix = 16;
    r.network.gateway = "10.88.0.1";
    r.network.bridge = "vlab0";
    r.network.host_veth = "vl0123456789ab";
    r.network.container_veth = "eth0";
    r.env = {"A=line1\nline2", "B=back\\slash"};
    r.workdir = "/srv/app";
    r.user = "1000:100";
    r.init = true;
    const ContainerRecord back = ContainerRecord::parse(r.serialize(), "state");
    EXPECT_EQ(back.network.address, "10.88.0.7");
    EXPECT_EQ(back.network.prefix, 16);
    EXPECT_EQ(back.network.gateway, "10.88.0.1");
    EXPECT_EQ(back.network.host_veth, "vl0123456789ab");
    EXPECT_EQ(back.network.container_veth, "eth0");
    EXPECT_EQ(back.network.bridge, "vlab0");
    EXPECT_EQ(back.env, r.env);
    EXPECT_EQ(back.workdir, "/srv/app");
    EXPECT_EQ(back.user, "1000:100");
    EXPECT_TRUE(back.init);
    // A lease given back leaves the mode but no address.
    r.network = {};
    r.network.mode = "bridge";
    EXPECT_FALSE(ContainerRecord::parse(r.serialize(), "state").network.attached());
    EXPECT_THROW(ContainerRecord::parse("id x\nnet_address 10.88.0.2\n", "state"), Error);
}

TEST(ContainerPlanOptions, WorkdirAfterTheRootSwitchUserAfterCapabilitiesInitFlag) {
    PlanInputs in;
    in.rootfs = "/var/lib/virtlab/rootfs/busybox";
    in.scratch = "/run/virtlab/abc";
    in.hostname = "box";
    in.argv = {"sh"};
    in.workdir = "/srv/app";
    in.user = UserSpec{1000, 100};
    in.init = true;
    const ChildPlan plan = planContainerStart(in);
    const auto index = [&](Op op) {
        for (size_t i = 0; i < plan.steps().size(); ++i)
            if (plan.steps()[i].op == op) return i;
        return SIZE_MAX;
    };
    ASSERT_NE(index(Op::ChangeDir), SIZE_MAX);
    EXPECT_EQ(index(Op::ChangeDir), index(Op::PivotRoot) + 1) << "inside the new root, never through the host's view";
    EXPECT_EQ(plan.steps()[index(Op::ChangeDir)].a, "/srv/app");
    ASSERT_NE(index(Op::SetUser), SIZE_MAX);
    EXPECT_GT(index(Op::SetUser), index(Op::DropCapabilities));
    EXPECT_LT(index(Op::SetUser), index(Op::NoNewPrivs));
    EXPECT_EQ(plan.steps()[index(Op::SetUser)].flags, 1000u);
    EXPECT_EQ(plan.steps()[index(Op::SetUser)].mode, 100u);
    EXPECT_TRUE(plan.init());
    EXPECT_EQ(plan.phaseNames()[7], "loopback");

    PlanInputs plain = in;
    plain.workdir.clear();
    plain.user.reset();
    plain.init = false;
    const ChildPlan default_plan = planContainerStart(plain);
    for (const auto& step : default_plan.steps()) {
        EXPECT_NE(step.op, Op::ChangeDir);
        EXPECT_NE(step.op, Op::SetUser);
    }
    EXPECT_FALSE(default_plan.init());
}

}  // namespace
}  // namespace vl::ct
