// Root tests of `--net bridge` through the real `virtlab` binary: each container gets eth0 on
// the vlab0 bridge with its own address from 10.88.0.0/16, two containers ping each other,
// the bridge lives exactly as long as its last container, the set-up is its own start-up
// phase, `gc` removes the veths and bridge a killed run left, and `--net none` stays the
// default (loopback only).
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "containers/net/bridge_network.h"
#include "containers/net/links.h"
#include "detached_containers.h"
#include "residue.h"
#include "tests/support/cli_runner.h"

namespace vl::test {
namespace {

using ContainerNetwork = DetachedContainers;

QJsonObject networkOf(const std::string& id) {
    return jsonOf(runVirtlab({"container", "inspect", id, "--json"}))["network"].toObject();
}

bool hostHasLink(const std::string& name) {
    const auto links = ct::net::virtlabHostLinks();
    return std::find(links.begin(), links.end(), name) != links.end();
}

TEST_F(ContainerNetwork, TwoContainersOnTheBridgePingEachOther) {
    const std::string a = detached({"--net", "bridge", "--", "sleep", "60"});
    const QJsonObject net_a = networkOf(a);
    EXPECT_EQ(net_a["mode"].toString(), "bridge");
    const std::string address_a = net_a["address"].toString().toStdString();
    ASSERT_EQ(address_a.rfind("10.88.", 0), 0u) << address_a;
    EXPECT_NE(address_a, "10.88.0.1") << "the bridge's own address";
    EXPECT_EQ(net_a["prefix"].toInt(), 16);
    EXPECT_EQ(net_a["gateway"].toString(), "10.88.0.1");
    EXPECT_EQ(net_a["bridge"].toString(), "vlab0");
    EXPECT_EQ(net_a["host_veth"].toString().toStdString(), "vl" + a);
    EXPECT_EQ(net_a["container_veth"].toString(), "eth0");
    EXPECT_TRUE(hostHasLink("vlab0"));
    EXPECT_TRUE(hostHasLink("vl" + a));

    // B, in the foreground, looks at its interface and route, then pings A by address.
    const CliResult r = runVirtlab({"container", "run", "--json", "--net", "bridge", "--", "/bin/sh", "-c",
                                    "ip -4 addr show eth0; ip route; ping -c 1 -W 3 " + address_a},
                                   60);
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    const QJsonObject b = jsonOf(r);
    const std::string out = b["stdout"].toString().toStdString();
    const std::string address_b = b["network"].toObject()["address"].toString().toStdString();
    EXPECT_NE(address_b, address_a);
    EXPECT_NE(out.find("inet " + address_b + "/16"), std::string::npos) << out;
    EXPECT_NE(out.find("default via 10.88.0.1 dev eth0"), std::string::npos) << out;
    EXPECT_NE(out.find("1 packets received"), std::string::npos) << out;

    // The network set-up is its own phase, between the cgroup attach and the child's mounts.
    QStringList order;
    for (const auto& p : b["phase_order"].toArray()) order.append(p.toString());
    const auto at = order.indexOf("network");
    ASSERT_GE(at, 0) << order.join(' ').toStdString();
    EXPECT_EQ(order.indexOf("cgroup-attach"), at - 1);
    EXPECT_EQ(order.indexOf("mounts"), at + 1);
    EXPECT_FALSE(hostHasLink("vl" + b["id"].toString().toStdString())) << "B's veth went with B";
    EXPECT_TRUE(hostHasLink("vlab0")) << "A still uses the bridge";

    EXPECT_EQ(runVirtlab({"container", "rm", "--force", a}).exit_status, 0);
    const auto left = residueOf(a);
    EXPECT_TRUE(left.empty()) << left.front();
    EXPECT_FALSE(hostHasLink("vlab0")) << "removed with the last container";
}

TEST_F(ContainerNetwork, AddressesNeverCollideAndAreReused) {
    const std::string a = detached({"--net", "bridge", "--", "sleep", "60"});
    const std::string b = detached({"--net", "bridge", "--", "sleep", "60"});
    const std::string address_a = networkOf(a)["address"].toString().toStdString();
    const std::string address_b = networkOf(b)["address"].toString().toStdString();
    EXPECT_FALSE(address_a.empty());
    EXPECT_NE(address_a, address_b);
    // A's address is free again once A is gone, and the next container takes the lowest.
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", a}).exit_status, 0);
    EXPECT_TRUE(hostHasLink("vlab0")) << "B still uses the bridge";
    const std::string c = detached({"--net", "bridge", "--", "sleep", "60"});
    EXPECT_EQ(networkOf(c)["address"].toString().toStdString(), address_a);
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", b}).exit_status, 0);
    EXPECT_EQ(runVirtlab({"container", "rm", "--force", c}).exit_status, 0);
    EXPECT_TRUE(virtlabLinksWithoutALiveOwner().empty());
    EXPECT_FALSE(hostHasLink("vlab0"));
}

TEST_F(ContainerNetwork, GcRemovesTheBridgeAndVethsAKilledRunLeft) {
    const std::string id = detached({"--net", "bridge", "--", "sleep", "60"});
    const pid_t monitor = static_cast<pid_t>(jsonOf(runVirtlab({"container", "inspect", id, "--json"}))["owner_pid"].toInteger());
    ASSERT_GT(monitor, 1);
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);  // the monitor this test started
    // A stray veth of a container nobody records (a run killed between creating the pair
    // and writing its record), made here the way the runtime makes them.
    const std::string stray = "vl0123456789ab";
    {
        auto host = ct::net::NetlinkSocket::open();
        const ct::UniqueFd self_ns(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(self_ns);
        ASSERT_EQ(ct::net::createVethPair(host, stray, "vlab-test-peer", self_ns.get()), 0);
    }
    EXPECT_TRUE(hostHasLink(stray));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline &&
           jsonOf(runVirtlab({"container", "inspect", id, "--json"}))["status"].toString() != "dead")
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(hostHasLink("vlab0")) << "the bridge outlives a killed owner until gc";

    const QJsonObject gc = jsonOf(runVirtlab({"container", "gc", "--json"}));
    EXPECT_TRUE(gc["problems"].toArray().isEmpty());
    QStringList removed;
    for (const auto& r : gc["removed"].toArray()) removed.append(r.toString());
    EXPECT_TRUE(removed.contains("bridge vlab0")) << removed.join(", ").toStdString();
    EXPECT_TRUE(removed.contains(QString::fromStdString("veth " + stray))) << removed.join(", ").toStdString();
    EXPECT_FALSE(hostHasLink(stray));
    const auto left = residueOf(id);
    EXPECT_TRUE(left.empty()) << left.front();
}

TEST_F(ContainerNetwork, NoneIsTheDefaultWithOnlyLoopback) {
    const CliResult r = runVirtlab({"container", "run", "--json", "--", "/bin/sh", "-c", "ip -o link | cut -d: -f2"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const QJsonObject o = jsonOf(r);
    EXPECT_EQ(o["stdout"].toString(), " lo\n");
    EXPECT_EQ(o["network"].toObject()["mode"].toString(), "none");
    EXPECT_FALSE(o["network"].toObject().contains("address"));
    EXPECT_FALSE(o["phases"].toObject().contains("network"));
    EXPECT_TRUE(o["phases"].toObject().contains("loopback"));
    EXPECT_EQ(runVirtlab({"container", "run", "--net", "host", "--", "true"}).exit_status, 2);
    EXPECT_TRUE(residueOf(o["id"].toString().toStdString()).empty());
}

}  // namespace
}  // namespace vl::test
