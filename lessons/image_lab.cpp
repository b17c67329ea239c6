#include "lessons/image_lab.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QJsonDocument>
#include <QVariantList>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "containers/image/image_build.h"
#include "containers/image/layer_tree.h"
#include "containers/image/oci_bundle.h"
#include "core/error.h"
#include "lessons/oci_runtime_run.h"
#include "lessons/world_support.h"

namespace vl::lessons {
namespace fs = std::filesystem;
namespace img = ct::image;

namespace {

// Bounds on what a script may hand the builder: enough for any lesson, too little to fill a disk.
constexpr int kMaxContextFiles = 64;
constexpr qsizetype kMaxContextBytes = 1 << 20;
// Paths listed per layer; the busybox base layer alone has hundreds.
constexpr int kMaxListedPaths = 64;

QString shortId(const std::string& id) { return QString::fromStdString(id.substr(0, 12)); }

QVariantList strings(const std::vector<std::string>& list) {
    QVariantList out;
    for (const auto& s : list) out << QString::fromStdString(s);
    return out;
}

// A path as a script may name it: relative, plain components, no way out.
std::string contextPath(const QString& call, const QString& name) {
    const QStringList parts = name.split('/');
    const bool plain = !name.isEmpty() && !name.startsWith('/') && name.size() <= 200 &&
                       std::none_of(parts.begin(), parts.end(), [](const QString& p) { return p.isEmpty() || p == "." || p == ".."; });
    if (!plain)
        throwInput(call.toStdString() + ": path '" + name.toStdString() +
                   "' must be relative, without '.', '..' or empty parts (\"app/hello.txt\")");
    return name.toStdString();
}

void writeText(const std::string& path, const QByteArray& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.constData(), bytes.size());
    if (!out) throwErrno("lab.image.build: write " + path);
}

// "srv/greeting.txt", "srv/" (a directory), in sorted order, never following a symlink.
QVariantMap layerContents(const std::string& dir) {
    std::vector<std::string> paths;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        // lexically: fs::relative would resolve the layer's symlinks (busybox's bin/sh -> ...).
        const std::string rel = it->path().lexically_relative(dir).string();
        paths.push_back(fs::is_directory(it->symlink_status()) ? rel + "/" : rel);
    }
    std::sort(paths.begin(), paths.end());
    QVariantList listed;
    for (size_t i = 0; i < paths.size() && i < kMaxListedPaths; ++i) listed << QString::fromStdString(paths[i]);
    return {{"entries", static_cast<int>(paths.size())}, {"paths", listed}};
}

// What layer `dir` itself holds at `relative` ("etc/hostname"): "file", "directory", "symlink",
// "whiteout", "other", or "" when nothing. Walked one component at a time from an fd of the
// layer with O_NOFOLLOW, so a symlink inside a layer ("etc" -> "/") can never lead the look-up
// out to the host's files; a path through a symlink is reported as "".
QString kindAt(const std::string& dir, const std::string& relative) {
    int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return "";
    const std::vector<std::string> parts = img::pathParts(relative);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        const int next = ::openat(fd, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        ::close(fd);
        if (next < 0) return "";
        fd = next;
    }
    struct stat st {};
    const bool found = ::fstatat(fd, parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    ::close(fd);
    if (!found) return "";
    if (img::isWhiteout(st)) return "whiteout";
    if (S_ISREG(st.st_mode)) return "file";
    if (S_ISDIR(st.st_mode)) return "directory";
    if (S_ISLNK(st.st_mode)) return "symlink";
    return "other";
}

QVariantMap describeImage(const img::ResolvedImage& image) {
    QVariantList layers;
    for (const auto& layer : image.layers) {
        QVariantList whiteouts;
        for (const auto& w : layer.whiteouts)
            whiteouts << QVariantMap{{"path", QString::fromStdString(w.path)}, {"opaque", w.opaque}};
        QVariantMap entry = layerContents(layer.dir);
        entry["id"] = shortId(layer.id);
        entry["whiteouts"] = whiteouts;
        layers << entry;
    }
    return {{"name", QString::fromStdString(image.name)}, {"layers", layers}, {"env", strings(image.env)},
            {"workdir", QString::fromStdString(image.workdir)}, {"argv", strings(image.argv)}};
}

// The image name a call names, as {image: "name"} (every call but build, which takes `tag`).
QString imageOption(const QVariantMap& options, const QString& call) {
    const QString name = stringOption(options, call, "image", "");
    if (name.isEmpty()) throwInput(call.toStdString() + ": image is required (the tag given to lab.image.build)");
    return name;
}

void skipUnlessContainersRun() {
    if (const QString why = containerSkipReason(); !why.isEmpty()) throw WorldSkipped{why};
}

}  // namespace

ImageLab::ImageLab() = default;
ImageLab::~ImageLab() = default;  // TempDir removes the store, contexts and bundles

const img::ImageStore& ImageLab::store() {
    if (!store_) {
        root_.emplace("virtlab-lesson-images");
        store_ = std::make_unique<img::ImageStore>(root_->path() + "/store");
    }
    return *store_;
}

std::string ImageLab::newWorkDir(const std::string& prefix) {
    store();
    const std::string dir = root_->path() + "/" + prefix + "-" + std::to_string(++serial_);
    fs::create_directories(dir);
    return dir;
}

QVariantMap ImageLab::build(const QVariantMap& options, ActiveEngine& active) {
    const QString call = "lab.image.build";
    checkKeys(options, call, {"labfile", "context", "tag"});
    const QString labfile = stringOption(options, call, "labfile", "");
    const QString tag = stringOption(options, call, "tag", "");
    if (labfile.isEmpty() || tag.isEmpty())
        throwInput("lab.image.build: labfile (the Labfile's text) and tag (the image's name) are required");
    img::validateImageName(tag.toStdString());
    const QVariant context_value = options.value("context", QVariantMap{});
    if (context_value.typeId() != QMetaType::QVariantMap)
        throwInput("lab.image.build: context must be an object {\"path\": \"content\"}");
    const QVariantMap context = context_value.toMap();
    if (context.size() > kMaxContextFiles)
        throwInput("lab.image.build: at most " + std::to_string(kMaxContextFiles) + " context files");
    qsizetype bytes = 0;
    for (auto it = context.begin(); it != context.end(); ++it) {
        contextPath(call, it.key());
        if (it.value().typeId() != QMetaType::QString)
            throwInput("lab.image.build: context file '" + it.key().toStdString() + "' must be given as a string");
        bytes += it.value().toString().toUtf8().size();
    }
    if (bytes > kMaxContextBytes) throwInput("lab.image.build: the context is larger than 1 MiB");
    skipUnlessContainersRun();

    const std::string dir = newWorkDir("build");
    const std::string labfile_path = dir + "/Labfile", context_dir = dir + "/context";
    fs::create_directories(context_dir);
    writeText(labfile_path, labfile.toUtf8());
    for (auto it = context.begin(); it != context.end(); ++it)
        writeText(context_dir + "/" + contextPath(call, it.key()), it.value().toString().toUtf8());

    QVariantList steps;
    int hits = 0;
    try {
        img::buildImage(store(), {labfile_path, tag.toStdString(), context_dir}, [&](const img::BuildStepReport& step) {
            steps << QVariantMap{{"index", static_cast<int>(step.index)}, {"line", static_cast<int>(step.line)},
                                 {"text", QString::fromStdString(step.text)}, {"cache_hit", step.cache_hit},
                                 {"layer", step.layer.empty() ? QString() : shortId(step.layer)},
                                 {"output", QString::fromStdString(step.output)}};
            hits += step.cache_hit;
            // A RUN step cannot be paused; the build stops at the next step boundary instead.
            if (active.stopped()) throwGuest("time budget used up");
        });
    } catch (const Error& e) {
        // The builder names its files; the script knows them as "Labfile" and "context".
        QString message = QString::fromStdString(e.what());
        message.replace(QString::fromStdString(labfile_path), "Labfile").replace(QString::fromStdString(context_dir), "context");
        throw Error(e.kind(), "lab.image.build: " + message.toStdString(), e.errnum());
    }
    QVariantMap out = describeImage(store().resolve(tag.toStdString()));
    out["steps"] = steps;
    out["cache_hits"] = hits;
    return out;
}

img::ResolvedImage ImageLab::resolve(const QString& call, const QString& name) {
    if (!store_ || !store_->find(name.toStdString()))
        throwInput(call.toStdString() + ": no image '" + name.toStdString() +
                   "' (build it in this scenario first with lab.image.build)");
    return store_->resolve(name.toStdString());
}

QVariantMap ImageLab::inspect(const QVariantMap& options) {
    const QString call = "lab.image.inspect";
    checkKeys(options, call, {"image", "path"});
    const img::ResolvedImage image = resolve(call, imageOption(options, call));
    QVariantMap out = describeImage(image);
    if (options.contains("path")) {
        // Each layer's own entry at one path: where a file comes from, and where it is deleted.
        const std::string path = contextPath(call, stringOption(options, call, "path", ""));
        QVariantList layers = out["layers"].toList();
        for (int i = 0; i < layers.size(); ++i) {
            QVariantMap layer = layers[i].toMap();
            layer["at_path"] = kindAt(image.layers[i].dir, path);
            layers[i] = layer;
        }
        out["layers"] = layers;
    }
    return out;
}

QVariantMap ImageLab::remove(const QVariantMap& options) {
    const QString call = "lab.image.rm";
    checkKeys(options, call, {"image"});
    const QString name = imageOption(options, call);
    resolve(call, name);
    QVariantList removed;
    for (const auto& id : store_->remove(name.toStdString())) removed << shortId(id);
    return {{"removed_layers", removed}};
}

QVariantMap ImageLab::list() {
    QVariantList names;
    if (store_)
        for (const auto& record : store_->list()) names << QString::fromStdString(record.name);
    return {{"images", names}};
}

std::string ImageLab::exportInto(const QString& call, const QVariantMap& options) {
    const QString name = imageOption(options, call);
    const img::ResolvedImage image = resolve(call, name);
    img::BundleOptions bundle;
    if (options.contains("command") && options.contains("argv"))
        throwInput(call.toStdString() + ": give only one of command (a shell line) and argv (an array)");
    if (options.contains("command")) {
        bundle.args = {"/bin/sh", "-c", stringOption(options, call, "command", "").toStdString()};
    } else if (options.contains("argv")) {
        const QVariant argv = options.value("argv");
        if (argv.typeId() != QMetaType::QVariantList || argv.toList().isEmpty())
            throwInput(call.toStdString() + ": argv must be a non-empty array of strings");
        for (const QVariant& word : argv.toList()) bundle.args.push_back(word.toString().toStdString());
    }
    const std::string dir = newWorkDir("bundle") + "/bundle";
    img::exportBundle(*store_, name.toStdString(), dir, bundle);
    return dir;
}

QVariantMap ImageLab::bundle(const QVariantMap& options) {
    const QString call = "lab.image.bundle";
    checkKeys(options, call, {"image", "command", "argv"});
    const std::string dir = exportInto(call, options);
    std::ifstream in(dir + "/config.json");
    const QByteArray text = QByteArray::fromStdString(std::string(std::istreambuf_iterator<char>(in), {}));
    QVariantList rootfs;
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir + "/rootfs")) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) rootfs << QString::fromStdString(n);
    return {{"files", QVariantList{"config.json", "rootfs"}},
            {"config", QJsonDocument::fromJson(text).toVariant()},
            {"rootfs", rootfs}};
}

QVariantMap ImageLab::runBundle(const QVariantMap& options, ActiveEngine& active) {
    const QString call = "lab.image.runBundle";
    checkKeys(options, call, {"image", "runtime", "command", "argv"});
    const QString runtime = stringOption(options, call, "runtime", "");
    if (runtime != "runc" && runtime != "crun") throwInput("lab.image.runBundle: runtime must be \"runc\" or \"crun\"");
    resolve(call, imageOption(options, call));
    const std::string program = findRuntime(runtime.toStdString());
    if (program.empty()) throw WorldSkipped{runtime + " is not installed here (Debian package " + runtime + ")"};
    skipUnlessContainersRun();
    const std::string dir = exportInto(call, options);
    return runOciBundle(program, dir, active);
}

}  // namespace vl::lessons
