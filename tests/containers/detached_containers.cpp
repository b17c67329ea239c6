#include "detached_containers.h"

#include <QJsonDocument>

#include <unistd.h>

namespace vl::test {

void DetachedContainers::SetUp() {
    if (::geteuid() != 0) GTEST_SKIP() << "containers need root (namespaces, cgroups, mounts)";
}

void DetachedContainers::TearDown() {
    for (const auto& id : started_) runVirtlab({"container", "rm", "--force", id});
}

std::string DetachedContainers::detached(std::vector<std::string> args) {
    std::vector<std::string> all{"container", "run", "-d"};
    all.insert(all.end(), args.begin(), args.end());
    const CliResult r = runVirtlab(all);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    const std::string id = r.out.substr(0, r.out.find('\n'));
    started_.push_back(id);
    return id;
}

CliResult DetachedContainers::removeNow(const std::string& id) {
    std::erase(started_, id);
    return runVirtlab({"container", "rm", "--force", id});
}

QJsonObject jsonOf(const CliResult& r) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(r.out), &error);
    EXPECT_EQ(error.error, QJsonParseError::NoError) << r.out << r.err;
    return doc.object();
}

}  // namespace vl::test
