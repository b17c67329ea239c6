// Writes tar archives with libarchive for the image tests: well-formed layers, OCI layouts,
// docker-save archives, and the hostile ones (entries crafted to escape the target).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

struct archive;

namespace vl::test {

class TarWriter {
public:
    explicit TarWriter(const std::string& path, bool gzip = false);
    ~TarWriter();
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;

    TarWriter& file(const std::string& name, const std::string& content, mode_t mode = 0644);
    TarWriter& dir(const std::string& name, mode_t mode = 0755);
    TarWriter& symlink(const std::string& name, const std::string& target);
    TarWriter& hardlink(const std::string& name, const std::string& target);
    TarWriter& charDevice(const std::string& name, unsigned major, unsigned minor);
    void close();

private:
    archive* a_ = nullptr;
};

// sha256 hex of a file's bytes (OCI blob names).
std::string sha256OfFile(const std::string& path);
std::string readWholeFile(const std::string& path);

// A docker-save archive at `path` holding one image, `name`, whose only layer is `layer_tar`
// and whose config runs `cmd`.
void writeDockerSave(const std::string& path, const std::string& name, const std::vector<std::string>& layer_tars,
                     const std::vector<std::string>& cmd);

}  // namespace vl::test
