// Throw-away lessons for tests: a course directory in a temp dir, one folder per lesson,
// written from strings so each test shows the exact manifest and script it runs.
#pragma once

#include <map>
#include <string>

#include "core/temp_dir.h"

namespace vl::test {

class CourseFixture {
public:
    CourseFixture() : dir_("virtlab-lessons-test") {}

    // Writes course/<id>/<name> for each file; returns the lesson folder.
    std::string addLesson(const std::string& id, const std::map<std::string, std::string>& files);
    const std::string& path() const { return dir_.path(); }

private:
    TempDir dir_;
};

// A valid manifest for lesson `id` with one step running `function` of scenario.js and
// `questions` (a JSON array text).
std::string manifestFor(const std::string& id, const std::string& function = "main",
                        const std::string& questions = "[]");

}  // namespace vl::test
