// libFuzzer target: any bytes as a lesson manifest (lesson.json) in an otherwise valid lesson
// folder -- lessons come from other instructors. loadLesson must accept it or throw a
// vl::Error(Input) naming the file; it must never read outside the folder it was given.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <QString>

#include "core/error.h"
#include "core/temp_dir.h"
#include "fuzz/fuzz_support.h"
#include "lessons/lesson.h"

namespace {

void writeFile(const std::string& path, const void* data, size_t size) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static vl::TempDir dir("virtlab-fuzz-lesson");  // reused: one folder per fuzzing process
    static const std::string folder = dir.path();
    static bool prepared = false;
    if (!prepared) {  // files a manifest may name, so accepted inputs get past the existence checks
        writeFile(folder + "/step1.md", "# Step\n", 7);
        writeFile(folder + "/scenario.js", "expect(true, 'ok');\n", 20);
        prepared = true;
    }
    writeFile(folder + "/lesson.json", data, size);
    vl::fuzz::expectOnlyInputErrors([&] { (void)vl::lessons::loadLesson(QString::fromStdString(folder)); });
    return 0;
}
