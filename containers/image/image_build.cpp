#include "containers/image/image_build.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "containers/container_engine.h"
#include "containers/container_plan.h"
#include "containers/image/labfile.h"
#include "containers/image/sha256.h"
#include "containers/rootfs.h"
#include "core/error.h"

namespace vl::ct::image {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBuildMountPoint = "/.virtlab-build";

// The image state as the Labfile's steps change it.
struct BuildState {
    std::string key;
    std::vector<std::string> layers;  // bottom first
    std::vector<std::string> env;
    std::string workdir = "/";
    std::vector<std::string> cmd;
    std::vector<std::string> entrypoint;

    std::vector<std::string> lowerDirs(const ImageStore& store) const {
        std::vector<std::string> dirs;
        for (auto it = layers.rbegin(); it != layers.rend(); ++it) dirs.push_back(store.layerDir(*it));
        return dirs;
    }
};

std::string absoluteIn(const std::string& workdir, const std::string& path) {
    const fs::path joined = path.starts_with("/") ? fs::path(path) : fs::path(workdir) / path;
    std::string out = joined.lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out.rfind("/..", 0) == 0 ? "/" : out;  // ".." above / stays at /, as in the kernel
}

std::string relativeOf(const std::string& absolute) { return absolute.size() > 1 ? absolute.substr(1) : ""; }

struct CopySource {
    std::string as_written;
    std::string host_path;  // canonical, inside the context
};

// Where a COPY source really is; refuses anything outside the context.
CopySource resolveCopySource(const std::string& context, const std::string& source, const std::string& file, long line) {
    const fs::path lexical = (fs::path(context) / fs::path(source).relative_path()).lexically_normal();
    const auto rel = lexical.lexically_relative(context);
    if (rel.empty() || *rel.begin() == "..")
        throwInputAt(file, line, "COPY source '" + source + "' is outside the build context " + context);
    struct stat st {};
    if (::lstat(lexical.c_str(), &st) != 0)
        throwInputAt(file, line, "COPY source '" + source + "' does not exist in the build context " + context);
    std::error_code ec;
    const fs::path real = fs::canonical(lexical, ec);
    const auto real_rel = ec ? fs::path("..") : real.lexically_relative(context);
    if (real_rel.empty() || *real_rel.begin() == "..")
        throwInputAt(file, line, "COPY source '" + source + "' leads outside the build context through a symlink");
    return {source, real.string()};
}

void chownTreeToRoot(const std::string& path) {
    if (::geteuid() != 0) return;
    if (::lchown(path.c_str(), 0, 0) != 0) throwErrno("build: chown " + path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        for (const auto& entry : fs::directory_iterator(path)) chownTreeToRoot(entry.path().string());
}

// Makes the directories of `relative` in a new layer: those the image already has keep
// their owner and mode (an upper directory's metadata wins in the union), new ones get 0755.
void makeDirsInLayer(const std::string& diff, const std::vector<std::string>& lowers, const std::string& relative) {
    std::string prefix;
    for (const auto& part : pathParts(relative)) {
        prefix += (prefix.empty() ? "" : "/") + part;
        const std::string path = diff + "/" + prefix;
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) throwInput("build: '/" + prefix + "' is not a directory");
            continue;
        }
        mode_t mode = 0755;
        uid_t uid = 0;
        gid_t gid = 0;
        if (const auto existing = findInStack(lowers, prefix)) {
            struct stat below {};
            if (::lstat(existing->c_str(), &below) == 0 && S_ISDIR(below.st_mode)) {
                mode = below.st_mode & 07777;
                uid = below.st_uid;
                gid = below.st_gid;
            }
        }
        if (::mkdir(path.c_str(), 0700) != 0) throwErrno("build: mkdir " + path);
        if (::geteuid() == 0 && ::lchown(path.c_str(), uid, gid) != 0) throwErrno("build: chown " + path);
        if (::chmod(path.c_str(), mode) != 0) throwErrno("build: chmod " + path);
    }
}

bool isEmptyDir(const std::string& dir) { return fs::is_empty(dir); }

std::string shellQuote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

class Builder {
public:
    Builder(const ImageStore& store, const BuildRequest& request, const Labfile& labfile, std::string context)
        : store_(store), request_(request), labfile_(labfile), context_(std::move(context)) {}

    // Everything that can be wrong with the input, found before the store is touched.
    void check() {
        for (const auto& step : labfile_.steps) {
            if (step.instruction == Instruction::Copy) {
                std::vector<CopySource> sources;
                for (size_t i = 0; i + 1 < step.args.size(); ++i)
                    sources.push_back(resolveCopySource(context_, step.args[i], labfile_.path, step.line));
                copy_sources_.push_back(std::move(sources));
            } else {
                copy_sources_.emplace_back();
            }
            if (step.instruction == Instruction::Run) needs_root_ = true;
        }
        const std::string& base = labfile_.steps[0].args[0];
        if (base != "scratch" && base != "busybox") {
            validateImageName(base);
            if (!store_.find(base)) throwInputAt(labfile_.path, labfile_.steps[0].line, "no image '" + base + "' to build FROM");
        }
        if (needs_root_ && ::geteuid() != 0)
            throwSystem(labfile_.path + ": RUN starts a container, which needs root here", EPERM);
    }

    BuildResult run(const std::function<void(const BuildStepReport&)>& progress) {
        BuildResult result;
        const size_t total = labfile_.steps.size();
        for (size_t i = 0; i < total; ++i) {
            const LabfileStep& step = labfile_.steps[i];
            BuildStepReport report;
            report.index = i + 1;
            report.total = total;
            report.line = step.line;
            report.text = step.text;
            if (step.instruction == Instruction::From) from(step, report);
            else nextStep(step, copy_sources_[i], report);
            if (!report.layer.empty()) state_.layers.push_back(report.layer);
            if (progress) progress(report);
            result.steps.push_back(std::move(report));
        }
        result.image.name = request_.name;
        result.image.layers = state_.layers;
        result.image.env = state_.env;
        result.image.workdir = state_.workdir;
        result.image.cmd = state_.cmd;
        result.image.entrypoint = state_.entrypoint;
        result.image.source = "build " + labfile_.path;
        store_.save(result.image);
        return result;
    }

private:
    void from(const LabfileStep& step, BuildStepReport& report) {
        const std::string& base = step.args[0];
        if (base == "scratch") {
            state_.key = Sha256().field("FROM scratch").hex();
            report.cache_hit = true;
            return;
        }
        if (base == "busybox") {
            BusyboxRootfs rootfs;
            state_.key = Sha256().field("FROM busybox").field(rootfs.expectedStamp()).hex();
            if (const auto cached = store_.cacheLookup(state_.key)) {
                report.cache_hit = true;
                report.layer = *cached;
                return;
            }
            rootfs.ensure();
            chain_broken_ = true;
            StagingDir stage(store_.newStagingDir());
            const std::string diff = stage.path() + "/diff";
            copyTree(rootfs.path(), diff);
            ::unlink((diff + "/" + BusyboxRootfs::kStampFile).c_str());  // VirtLab's bookkeeping, not content
            report.layer = store_.commitLayer(diff);
            store_.cacheStore(state_.key, report.layer);
            return;
        }
        const ImageRecord parent = store_.get(base);
        state_.key = Sha256().field("FROM image").field(ImageStore::contentDigest(parent)).hex();
        state_.layers = parent.layers;
        state_.env = parent.env;
        state_.workdir = parent.workdir.empty() ? "/" : parent.workdir;
        state_.cmd = parent.cmd;
        state_.entrypoint = parent.entrypoint;
        report.cache_hit = true;
    }

    void nextStep(const LabfileStep& step, const std::vector<CopySource>& sources, BuildStepReport& report) {
        Sha256 key;
        key.field(state_.key).field(toString(step.instruction));
        for (const auto& arg : step.args) key.field(arg);
        key.field(step.shell_form ? "shell" : "exec");
        for (const auto& source : sources) key.field(digestLayerTree(source.host_path));
        state_.key = key.hex();

        // Config-only steps: what they change follows from the instruction alone.
        switch (step.instruction) {
        case Instruction::Env:
            for (const auto& pair : step.args) setEnv(pair);
            break;
        case Instruction::Cmd:
            state_.cmd = step.shell_form ? std::vector<std::string>{"/bin/sh", "-c", step.args[0]} : step.args;
            break;
        default:
            break;
        }
        const std::string previous_workdir = state_.workdir;
        if (step.instruction == Instruction::Workdir) state_.workdir = absoluteIn(state_.workdir, step.args[0]);

        // Once a step missed, every later one misses too: its parent is a new image (Docker
        // gives a rebuilt step a new image id even when its content came out the same).
        if (!chain_broken_) {
            if (const auto cached = store_.cacheLookup(state_.key)) {
                report.cache_hit = true;
                report.layer = *cached;
                return;
            }
        }
        chain_broken_ = true;
        if (step.instruction == Instruction::Copy) report.layer = copyLayer(step, sources, previous_workdir);
        else if (step.instruction == Instruction::Workdir) report.layer = workdirLayer();
        else if (step.instruction == Instruction::Run) report.layer = runLayer(step, report);
        store_.cacheStore(state_.key, report.layer, state_.layers.empty() ? "" : state_.layers.back());
    }

    void setEnv(const std::string& pair) {
        const std::string name = pair.substr(0, pair.find('=') + 1);
        for (auto& existing : state_.env)
            if (existing.rfind(name, 0) == 0) {
                existing = pair;
                return;
            }
        state_.env.push_back(pair);
    }

    std::string commitOrNothing(const std::string& diff) {
        if (isEmptyDir(diff)) return "";
        return store_.commitLayer(diff);
    }

    std::string copyLayer(const LabfileStep& step, const std::vector<CopySource>& sources, const std::string& workdir) {
        StagingDir stage(store_.newStagingDir());
        const std::string diff = stage.path() + "/diff";
        if (::mkdir(diff.c_str(), 0755) != 0) throwErrno("build: mkdir " + diff);
        const auto lowers = state_.lowerDirs(store_);
        const std::string& dest_written = step.args.back();
        const std::string dest = absoluteIn(workdir, dest_written);
        for (const auto& source : sources) {
            struct stat st {};
            if (::stat(source.host_path.c_str(), &st) != 0) throwErrno("build: stat " + source.host_path);
            if (S_ISDIR(st.st_mode)) {
                // A directory's contents go into the destination (Docker's rule).
                makeDirsInLayer(diff, lowers, relativeOf(dest));
                for (const auto& entry : fs::directory_iterator(source.host_path)) {
                    const std::string target = diff + dest + (dest == "/" ? "" : "/") + entry.path().filename().string();
                    copyTree(entry.path().string(), target);
                    chownTreeToRoot(target);
                }
                continue;
            }
            std::string target = dest;
            const auto below = findInStack(lowers, relativeOf(dest));
            struct stat below_st {};
            const bool dest_is_dir = dest_written.ends_with("/") || dest == "/" ||
                                     (below && ::lstat(below->c_str(), &below_st) == 0 && S_ISDIR(below_st.st_mode));
            if (dest_is_dir) target = (dest == "/" ? "" : dest) + "/" + fs::path(source.host_path).filename().string();
            makeDirsInLayer(diff, lowers, fs::path(relativeOf(target)).parent_path().string());
            copyTree(source.host_path, diff + target);
            chownTreeToRoot(diff + target);
        }
        const std::string layer = store_.commitLayer(diff);
        return layer;
    }

    std::string workdirLayer() {
        const auto lowers = state_.lowerDirs(store_);
        if (state_.workdir == "/" || findInStack(lowers, relativeOf(state_.workdir))) return "";
        StagingDir stage(store_.newStagingDir());
        const std::string diff = stage.path() + "/diff";
        if (::mkdir(diff.c_str(), 0755) != 0) throwErrno("build: mkdir " + diff);
        makeDirsInLayer(diff, lowers, relativeOf(state_.workdir));
        return commitOrNothing(diff);
    }

    std::string runLayer(const LabfileStep& step, BuildStepReport& report) {
        StagingDir stage(store_.newStagingDir());
        const std::string diff = stage.path() + "/diff", work = stage.path() + "/work";
        for (const auto& dir : {diff, work})
            if (::mkdir(dir.c_str(), 0755) != 0) throwErrno("build: mkdir " + dir);
        LayerStackMount::Options options;
        options.upper_dir = diff;
        options.work_dir = work;
        options.parent_dir = stage.path();
        options.init_layer = false;  // the union's upper is the new layer: nothing else belongs in it
        LayerStackMount union_mount(state_.lowerDirs(store_), options);

        ContainerConfig config;
        config.binds.push_back({union_mount.path(), kBuildMountPoint, false});
        config.nested_root = kBuildMountPoint;  // the RUN command's /proc and /dev
        config.argv = {"/bin/busybox", "env", "-i"};
        bool has_path = false;
        for (const auto& pair : state_.env) has_path = has_path || pair.rfind("PATH=", 0) == 0;
        if (!has_path) config.argv.push_back(std::string("PATH=") + kContainerPath);
        config.argv.push_back("HOME=/root");
        config.argv.insert(config.argv.end(), state_.env.begin(), state_.env.end());
        for (const char* word : {"/bin/busybox", "chroot", kBuildMountPoint, "/bin/sh", "-c"}) config.argv.push_back(word);
        if (step.shell_form) {
            config.argv.push_back("cd -- " + shellQuote(state_.workdir) + " || exit 1\n" + step.args[0]);
        } else {
            config.argv.push_back("cd -- \"$0\" || exit 1; exec \"$@\"");
            config.argv.push_back(state_.workdir);
            config.argv.insert(config.argv.end(), step.args.begin(), step.args.end());
        }
        ContainerEngine engine(config);
        const auto state = engine.run();
        report.output = engine.stdoutText() + engine.stderrText();
        union_mount.unmount();
        if (state == RunState::Failed)
            throwSystem(labfile_.path + ":" + std::to_string(step.line) + ": RUN could not start its container: " + engine.failure(), EIO);
        if (engine.exitCode() != 0) {
            std::string tail = engine.stderrText();
            while (!tail.empty() && tail.back() == '\n') tail.pop_back();
            if (const size_t nl = tail.rfind('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
            throwGuest(labfile_.path + ":" + std::to_string(step.line) + ": RUN exited with status " +
                       std::to_string(engine.exitCode()) + (tail.empty() ? "" : " (" + tail + ")"));
        }
        return store_.commitLayer(diff);
    }

    const ImageStore& store_;
    const BuildRequest& request_;
    const Labfile& labfile_;
    std::string context_;
    BuildState state_;
    std::vector<std::vector<CopySource>> copy_sources_;
    bool needs_root_ = false;
    bool chain_broken_ = false;
};

}  // namespace

BuildResult buildImage(const ImageStore& store, const BuildRequest& request,
                       const std::function<void(const BuildStepReport&)>& progress) {
    validateImageName(request.name);
    const Labfile labfile = readLabfile(request.labfile);
    const std::string context_arg =
        request.context.empty() ? fs::path(request.labfile).parent_path().string() : request.context;
    std::error_code ec;
    const fs::path context = fs::canonical(context_arg.empty() ? "." : context_arg, ec);
    if (ec || !fs::is_directory(context)) throwInputAt(context_arg, 0, "the build context is not a directory");
    Builder builder(store, request, labfile, context.string());
    builder.check();
    ImageStore::WriteLock lock(store);
    return builder.run(progress);
}

}  // namespace vl::ct::image
