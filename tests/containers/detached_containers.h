// A fixture for root tests that start detached containers through the real `virtlab` binary:
// skipped (with the reason) when not root, and every container it started is removed again,
// whatever the test did, so the residue checks after it see a clean host.
#pragma once

#include <gtest/gtest.h>

#include <QJsonObject>

#include <string>
#include <vector>

#include "tests/support/cli_runner.h"

namespace vl::test {

class DetachedContainers : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;
    // `virtlab container run -d ARGS...`; returns the id (and fails the test if it did not start).
    std::string detached(std::vector<std::string> args);
    // `virtlab container rm --force ID` now, inside the test (TearDown then leaves it alone).
    CliResult removeNow(const std::string& id);

private:
    std::vector<std::string> started_;
};

// stdout as one JSON object (a test failure when it is not).
QJsonObject jsonOf(const CliResult& r);

}  // namespace vl::test
