// JSON output without Qt, for the commands the Qt-free `virtlab` front end runs (app/main.cpp):
// container and image. Both executables compile those commands with these types, so the front
// end never maps Qt's libraries (about 90 ms of a 150 ms `container run` went to loading and
// relocating them). The API mirrors the few QJsonObject/QJsonArray/QJsonValue calls they need.
//
// The tree is nlohmann::json (already a dependency of the image store); writeJson() prints it
// byte for byte as QJsonDocument::toJson(Indented) does, numbers included, so a user, a lesson
// check or a grader script sees the same text from either executable (tests/app/cli_test.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>

#include "core/engine.h"

namespace vl::cli::plain {

class JsonObject;
class JsonArray;

class JsonValue {
public:
    enum Type { Null };  // only what callers spell: QJsonValue::Null

    JsonValue() = default;  // null, as QJsonValue()
    JsonValue(Type) {}
    JsonValue(bool b) : data_(b) {}
    // Integral doubles within 2^53 become integers, as QJsonValue(double) stores them: 2.0 prints "2".
    JsonValue(double d);
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    JsonValue(T i) : data_(i) {}
    JsonValue(const char* s) : data_(std::string(s)) {}  // not the bool constructor
    JsonValue(std::string s) : data_(std::move(s)) {}
    JsonValue(const JsonObject& o);
    JsonValue(const JsonArray& a);

    const nlohmann::json& data() const { return data_; }

private:
    nlohmann::json data_;  // null by default
};

class JsonObject {
public:
    JsonObject() : data_(nlohmann::json::object()) {}
    JsonObject(std::initializer_list<std::pair<std::string, JsonValue>> members);

    void insert(const std::string& key, const JsonValue& value) { data_[key] = value.data(); }

    // o["key"] = value, as QJsonObject's operator[] is used for writing.
    class Slot {
    public:
        Slot& operator=(const JsonValue& value) {
            target_ = value.data();
            return *this;
        }

    private:
        friend class JsonObject;
        explicit Slot(nlohmann::json& target) : target_(target) {}
        nlohmann::json& target_;
    };
    Slot operator[](const std::string& key) { return Slot(data_[key]); }

    bool contains(const std::string& key) const { return data_.contains(key); }
    bool isEmpty() const { return data_.empty(); }
    std::ptrdiff_t size() const { return static_cast<std::ptrdiff_t>(data_.size()); }

    const nlohmann::json& data() const { return data_; }

private:
    nlohmann::json data_;
};

class JsonArray {
public:
    JsonArray() : data_(nlohmann::json::array()) {}
    JsonArray(std::initializer_list<JsonValue> items);

    void append(const JsonValue& value) { data_.push_back(value.data()); }
    void push_back(const JsonValue& value) { append(value); }
    bool isEmpty() const { return data_.empty(); }
    std::ptrdiff_t size() const { return static_cast<std::ptrdiff_t>(data_.size()); }

    const nlohmann::json& data() const { return data_; }

private:
    nlohmann::json data_;
};

// The text QJsonDocument(object).toJson(QJsonDocument::Indented) gives for the same tree.
std::string toIndentedJson(const JsonObject& object);

void printJson(const JsonObject& object);
JsonObject toJson(const Counters& counters);
JsonObject toJson(const std::map<std::string, std::string>& strings);

}  // namespace vl::cli::plain
