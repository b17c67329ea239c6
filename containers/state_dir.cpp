#include "containers/state_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "containers/container_state.h"
#include "core/error.h"
#include "core/remove_tree.h"

namespace vl::ct {

StateDir::StateDir(const std::string& id, const std::string& base_or_default) {
    const std::string base = base_or_default.empty() ? stateBase() : base_or_default;
    // The base stays (like /run/docker): removing it would race with a concurrent run's mkdir.
    if (::mkdir(base.c_str(), 0711) != 0 && errno != EEXIST) throwErrno("state dir: mkdir " + base);
    const std::string dir = base + "/" + id;
    if (::mkdir(dir.c_str(), 0700) != 0) throwErrno("state dir: mkdir " + dir);
    path_ = dir;
}

StateDir::~StateDir() {
    if (keep_) return;
    removeTreeOnOneFileSystem(path_);  // never throws; `container gc` covers what stays
}

void StateDir::write(const std::string& file, const std::string& text) const {
    const std::string path = path_ + "/" + file, temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << text;
        out.close();
        if (!out) throwSystem("state dir: write " + temp, EIO);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) throwErrno("state dir: rename " + temp);
}

}  // namespace vl::ct
