// Unit tests of the rootless pieces that need no kernel: subordinate ranges from /etc/subuid
// text, the choice of mapping, map text, the delegated cgroup parent, and the state record.
#include <gtest/gtest.h>

#include <set>

#include "containers/cgroup.h"
#include "containers/container_state.h"
#include "containers/user_namespace.h"

namespace vl::ct {
namespace {

TEST(SubordinateRange, FoundByNameOrNumberSkippingJunk) {
    const std::string file = "# comment\nalice:100000:65536\nbroken line\nbob:x:10\n1001:200000:65536\ncarol:300000:0\n";
    const auto alice = findSubordinateRange(file, "alice", 1000);
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->start, 100000u);
    EXPECT_EQ(alice->count, 65536u);
    const auto by_number = findSubordinateRange(file, "dave", 1001);
    ASSERT_TRUE(by_number);
    EXPECT_EQ(by_number->start, 200000u);
    EXPECT_FALSE(findSubordinateRange(file, "bob", 1002));    // malformed start
    EXPECT_FALSE(findSubordinateRange(file, "carol", 1003));  // an empty range gives nothing
    EXPECT_FALSE(findSubordinateRange(file, "", 4242));
}

TEST(UserNamespaceMaps, SingleUnlessRangesAndHelpersAreAllThere) {
    const SubordinateRange range{100000, 65536};
    const auto single = chooseUserNamespaceMaps(1000, 1000, range, std::nullopt, "/usr/bin/newuidmap", "/usr/bin/newgidmap");
    EXPECT_EQ(single.method, "single");
    EXPECT_EQ(single.uids, (std::vector<IdMapping>{{0, 1000, 1}}));
    EXPECT_EQ(single.highestUid(), 0u);
    EXPECT_EQ(chooseUserNamespaceMaps(1000, 1000, range, range, "", "/usr/bin/newgidmap").method, "single");

    const auto sub = chooseUserNamespaceMaps(1000, 100, range, range, "/usr/bin/newuidmap", "/usr/bin/newgidmap");
    EXPECT_EQ(sub.method, "subordinate");
    EXPECT_EQ(sub.uids, (std::vector<IdMapping>{{0, 1000, 1}, {1, 100000, 65536}}));
    EXPECT_EQ(sub.gids, (std::vector<IdMapping>{{0, 100, 1}, {1, 100000, 65536}}));
    EXPECT_EQ(sub.highestUid(), 65536u);
    EXPECT_EQ(mapText(sub.uids), "0 1000 1\n1 100000 65536\n");
}

TEST(DelegatedCgroup, NearestWritableAncestorWithTheControllers) {
    const std::string own = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-1.scope";
    const std::set<std::string> writable{"/user.slice/user-1000.slice/user@1000.service",
                                         "/user.slice/user-1000.slice/user@1000.service/app.slice"};
    const auto is_writable = [&](const std::string& p) { return writable.count(p) > 0; };
    const auto subtree = [](const std::string& p) {
        return p.ends_with("user@1000.service") ? std::string("memory pids\n") : std::string("pids\n");
    };
    EXPECT_EQ(chooseDelegatedV2Parent(own, {}, is_writable, subtree), "/user.slice/user-1000.slice/user@1000.service/app.slice");
    EXPECT_EQ(chooseDelegatedV2Parent(own, {"memory"}, is_writable, subtree), "/user.slice/user-1000.slice/user@1000.service");
    // cpu is not delegated by default (systemd delegates memory and pids): no parent at all.
    EXPECT_FALSE(chooseDelegatedV2Parent(own, {"cpu"}, is_writable, subtree));
    // Never the root, never past the first ancestor the user may not write.
    EXPECT_FALSE(chooseDelegatedV2Parent("/a", {}, [](const std::string&) { return true; }, subtree));
    EXPECT_FALSE(chooseDelegatedV2Parent("/system.slice/x.service", {}, [](const std::string&) { return false; }, subtree));
}

TEST(DelegatedCgroup, ControllersFollowTheLimits) {
    EXPECT_TRUE(controllersFor(CgroupLimits{}).empty());
    EXPECT_EQ(controllersFor(CgroupLimits{64u << 20, 10u, std::nullopt}), (std::vector<std::string>{"memory", "pids"}));
}

TEST(RootlessRecord, SurvivesTheRoundTrip) {
    ContainerRecord r;
    r.id = "0123456789ab";
    r.rootless = true;
    r.id_map_method = "subordinate";
    r.uid_map = "0 1000 1\n1 100000 65536\n";
    r.gid_map = "0 1000 1\n";
    r.cgroup_note = "this host uses cgroup v1; running without cgroup limits";
    const ContainerRecord back = ContainerRecord::parse(r.serialize(), "state");
    EXPECT_TRUE(back.rootless);
    EXPECT_EQ(back.id_map_method, "subordinate");
    EXPECT_EQ(back.uid_map, r.uid_map);
    EXPECT_EQ(back.gid_map, r.gid_map);
    EXPECT_EQ(back.cgroup_note, r.cgroup_note);
}

}  // namespace
}  // namespace vl::ct
