// JSON output for --json: exactly one object on stdout and nothing else there (DESIGN.md).
#pragma once

#include <QJsonArray>
#include <QJsonObject>

#include <map>
#include <string>

#include "core/engine.h"

namespace vl::cli {

void printJson(const QJsonObject& object);
QJsonObject toJson(const Counters& counters);
QJsonObject toJson(const std::map<std::string, std::string>& strings);
inline QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace vl::cli
