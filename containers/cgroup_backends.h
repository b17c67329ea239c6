// The two cgroup backends behind the Cgroup interface. Internal to vl_containers: callers go
// through createCgroup(), which picks one from the detected layout.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "containers/cgroup.h"

namespace vl::ct {

// rmdir with a short retry on EBUSY; "" on success (or when already gone), else the reason.
std::string removeCgroupDirectory(const std::string& path) noexcept;

// cgroup v1: one directory per controller hierarchy (memory, pids), each a child of the
// cgroup this process sits in, so the container stays inside whatever limits its caller has.
class CgroupV1 final : public Cgroup {
public:
    CgroupV1(std::map<std::string, CgroupHierarchy> hierarchies, std::string name);
    ~CgroupV1() override { remove(); }
    void create();  // mkdir in every hierarchy; throws vl::Error(System)

    CgroupVersion version() const override { return CgroupVersion::V1; }
    std::vector<std::string> directories() const override;
    std::map<std::string, std::string> controllerDirectories() const override { return dirs_; }
    void applyLimits(const CgroupLimits& limits) override;
    CgroupReadings readings() const override;
    std::string remove() noexcept override;

private:
    std::map<std::string, CgroupHierarchy> hierarchies_;
    std::string name_;
    std::map<std::string, std::string> dirs_;  // controller -> created directory
};

// cgroup v2: one directory in the unified hierarchy, under the parent chooseV2Parent() picks,
// with the needed controllers enabled in that parent's cgroup.subtree_control.
class CgroupV2 final : public Cgroup {
public:
    // `parent` (a path inside the hierarchy) skips chooseV2Parent: a rootless run's delegated subtree.
    CgroupV2(CgroupHierarchy unified, std::string name, std::optional<std::string> parent = std::nullopt);
    ~CgroupV2() override { remove(); }
    void create();  // throws vl::Error(System)

    CgroupVersion version() const override { return CgroupVersion::V2; }
    std::vector<std::string> directories() const override;
    std::map<std::string, std::string> controllerDirectories() const override;
    void applyLimits(const CgroupLimits& limits) override;
    CgroupReadings readings() const override;
    std::string remove() noexcept override;

private:
    CgroupHierarchy unified_;
    std::string name_;
    std::optional<std::string> parent_;
    std::string dir_;                   // "" until created
    std::set<std::string> controllers_;  // enabled in dir_ (its cgroup.controllers)
};

}  // namespace vl::ct
