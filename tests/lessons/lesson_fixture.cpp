#include "lesson_fixture.h"

#include <filesystem>
#include <fstream>

namespace vl::test {

std::string CourseFixture::addLesson(const std::string& id, const std::map<std::string, std::string>& files) {
    const auto dir = std::filesystem::path(dir_.path()) / id;
    std::filesystem::create_directories(dir);
    for (const auto& [name, text] : files) std::ofstream(dir / name) << text;
    return dir.string();
}

std::string manifestFor(const std::string& id, const std::string& function, const std::string& questions) {
    return "{\n"
           "  \"id\": \"" + id + "\",\n"
           "  \"title\": \"A test lesson\",\n"
           "  \"summary\": \"For tests.\",\n"
           "  \"level\": \"beginner\",\n"
           "  \"minutes\": 1,\n"
           "  \"steps\": [{\"title\": \"Only step\", \"text\": \"01.md\", \"scenario\": \"" + function + "\"}],\n"
           "  \"questions\": " + questions + "\n"
           "}\n";
}

}  // namespace vl::test
