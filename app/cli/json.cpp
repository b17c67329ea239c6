#include "app/cli/json.h"

#include <QJsonDocument>

#include <cstdio>

namespace vl::cli {

void printJson(const QJsonObject& object) {
    const QByteArray bytes = QJsonDocument(object).toJson(QJsonDocument::Indented);
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

QJsonObject toJson(const Counters& counters) {
    QJsonObject out;
    for (const auto& [name, value] : counters) out.insert(qs(name), static_cast<qint64>(value));
    return out;
}

QJsonObject toJson(const std::map<std::string, std::string>& strings) {
    QJsonObject out;
    for (const auto& [name, value] : strings) out.insert(qs(name), qs(value));
    return out;
}

}  // namespace vl::cli
