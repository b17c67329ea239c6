// A private temporary directory removed, with everything in it, when the owner goes away.
#pragma once

#include <string>

namespace vl {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "virtlab");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace vl
