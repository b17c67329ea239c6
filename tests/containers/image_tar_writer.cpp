#include "tests/containers/image_tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "containers/image/sha256.h"

namespace vl::test {

namespace {

void check(archive* a, int rc, const char* what) {
    if (rc < ARCHIVE_WARN) throw std::runtime_error(std::string(what) + ": " + (archive_error_string(a) ? archive_error_string(a) : "?"));
}

}  // namespace

TarWriter::TarWriter(const std::string& path, bool gzip) : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_);
    if (gzip) archive_write_add_filter_gzip(a_);
    check(a_, archive_write_open_filename(a_, path.c_str()), "open");
}

TarWriter::~TarWriter() { close(); }

void TarWriter::close() {
    if (!a_) return;
    archive_write_close(a_);
    archive_write_free(a_);
    a_ = nullptr;
}

TarWriter& TarWriter::file(const std::string& name, const std::string& content, mode_t mode) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    check(a_, archive_write_header(a_, e), "header");
    archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
    return *this;
}

TarWriter& TarWriter::dir(const std::string& name, mode_t mode) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, mode);
    check(a_, archive_write_header(a_, e), "header");
    archive_entry_free(e);
    return *this;
}

TarWriter& TarWriter::symlink(const std::string& name, const std::string& target) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_set_perm(e, 0777);
    archive_entry_set_symlink(e, target.c_str());
    check(a_, archive_write_header(a_, e), "header");
    archive_entry_free(e);
    return *this;
}

TarWriter& TarWriter::hardlink(const std::string& name, const std::string& target) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_hardlink(e, target.c_str());
    archive_entry_set_size(e, 0);
    check(a_, archive_write_header(a_, e), "header");
    archive_entry_free(e);
    return *this;
}

TarWriter& TarWriter::charDevice(const std::string& name, unsigned major, unsigned minor) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFCHR);
    archive_entry_set_perm(e, 0666);
    archive_entry_set_rdevmajor(e, major);
    archive_entry_set_rdevminor(e, minor);
    check(a_, archive_write_header(a_, e), "header");
    archive_entry_free(e);
    return *this;
}

std::string sha256OfFile(const std::string& path) { return vl::ct::image::sha256File(path); }

std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeDockerSave(const std::string& path, const std::string& name, const std::vector<std::string>& layer_tars,
                     const std::vector<std::string>& cmd) {
    nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}, {"config", {{"Cmd", cmd}, {"Env", {"FROM_ARCHIVE=yes"}}}}};
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < layer_tars.size(); ++i) layers.push_back("layer" + std::to_string(i) + "/layer.tar");
    nlohmann::json manifest = nlohmann::json::array({{{"Config", "config.json"}, {"RepoTags", {name}}, {"Layers", layers}}});
    TarWriter tar(path);
    tar.file("manifest.json", manifest.dump());
    tar.file("config.json", config.dump());
    for (size_t i = 0; i < layer_tars.size(); ++i) {
        tar.dir("layer" + std::to_string(i) + "/");
        tar.file("layer" + std::to_string(i) + "/layer.tar", readWholeFile(layer_tars[i]));
    }
}

}  // namespace vl::test
