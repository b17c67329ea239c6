// `virtlab image ...`: container images, the union file system of the seed article.
//   build -f LABFILE -t NAME [CONTEXT]   a Labfile (Dockerfile subset), step by step, with a layer cache
//   import FILE [-t NAME]                an OCI image layout (dir or tar) or a `docker save` archive
//   ls | rm NAME | inspect NAME          the store; rm collects unreferenced layers
//   export-bundle NAME DIR               an OCI runtime bundle for crun / runc
// The work is in containers/image/; this file parses options and prints.
#include <cstdio>

#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/plain_json.h"
#include "containers/container_lifecycle.h"
#include "containers/image/image_build.h"
#include "containers/image/image_import.h"
#include "containers/image/image_store.h"
#include "containers/image/oci_bundle.h"
#include "containers/rootfs.h"
#include "core/error.h"

namespace vl::cli {
// The same plain JSON in both executables: this command also runs in the Qt-free virtlab-image.
using plain::JsonArray;
using plain::JsonObject;
using plain::JsonValue;
using plain::printJson;
namespace {

namespace img = vl::ct::image;

// Docker's short spellings: -f for --file, -t for --tag.
Args expandShortOptions(const Args& args) {
    Args out;
    bool after_dashes = false;
    for (const auto& a : args) {
        if (a == "--") after_dashes = true;
        if (!after_dashes && a == "-f") out.push_back("--file");
        else if (!after_dashes && a == "-t") out.push_back("--tag");
        else out.push_back(a);
    }
    return out;
}

std::string shortId(const std::string& id) { return id.empty() ? "-" : id.substr(0, 12); }

JsonArray toJsonArray(const std::vector<std::string>& items) {
    JsonArray out;
    for (const auto& item : items) out.append(item);
    return out;
}

JsonObject toJson(const img::ImageRecord& r) {
    JsonObject o;
    o["name"] = r.name;
    o["layers"] = toJsonArray(r.layers);
    o["env"] = toJsonArray(r.env);
    o["workdir"] = r.workdir.empty() ? "/" : r.workdir;
    o["entrypoint"] = toJsonArray(r.entrypoint);
    o["cmd"] = toJsonArray(r.cmd);
    o["source"] = r.source;
    o["created"] = r.created;
    return o;
}

int buildVerb(const Args& args) {
    ArgParser parser("virtlab image build -f LABFILE -t NAME [CONTEXT] [--json]",
                     "Builds an image from a Labfile: FROM scratch|busybox|NAME, RUN, COPY, ENV, WORKDIR,\n"
                     "CMD. Each step reports whether Docker's layer cache rule let it reuse the layer\n"
                     "of an earlier build. RUN runs in a real container and needs root.");
    parser.option("--file", "LABFILE", "(-f) The Labfile")
        .option("--tag", "NAME", "(-t) Name of the image to create or replace")
        .flag("--json", "Print one JSON object: image, steps [{line, instruction, cache_hit, layer}]")
        .positional("CONTEXT", "Directory COPY sources are taken from (default: the Labfile's)", false);
    if (!parser.parse(expandShortOptions(args))) return 0;
    if (!parser.has("--file")) throwInput("image build: -f LABFILE is required");
    if (!parser.has("--tag")) throwInput("image build: -t NAME is required");
    const bool json = parser.has("--json");
    // RUN mounts the layer stack; in a private mount namespace those mounts die with us.
    vl::ct::enterPrivateMountNamespace();

    img::BuildRequest request{parser.value("--file"), parser.value("--tag"), parser.positionalValue("CONTEXT")};
    const img::ImageStore store;
    const auto result = img::buildImage(store, request, [&](const img::BuildStepReport& step) {
        if (json) return;
        std::printf("Step %zu/%zu : %s\n", step.index, step.total, step.text.c_str());
        if (!step.output.empty()) std::fputs(step.output.c_str(), stdout);
        if (step.cache_hit) std::printf(" ---> cache hit%s%s\n", step.layer.empty() ? "" : ", layer ", step.layer.empty() ? "" : shortId(step.layer).c_str());
        else if (step.layer.empty()) std::printf(" ---> done (no layer)\n");
        else std::printf(" ---> new layer %s\n", shortId(step.layer).c_str());
        std::fflush(stdout);
    });
    if (json) {
        JsonArray steps;
        for (const auto& s : result.steps) {
            JsonObject o;
            o["line"] = static_cast<std::int64_t>(s.line);
            o["instruction"] = s.text;
            o["cache_hit"] = s.cache_hit;
            o["layer"] = s.layer.empty() ? JsonValue() : JsonValue(s.layer);
            o["output"] = s.output;
            steps.append(o);
        }
        JsonObject out;
        out["image"] = toJson(result.image);
        out["steps"] = steps;
        printJson(out);
    } else {
        std::printf("Built %s: %zu layers\n", result.image.name.c_str(), result.image.layers.size());
    }
    return 0;
}

int importVerb(const Args& args) {
    ArgParser parser("virtlab image import FILE [-t NAME] [--json]",
                     "Imports an OCI image layout (a directory or a tar of one, as umoci or skopeo write\n"
                     "it) or a `docker save` archive. Layers are unpacked with libarchive; entries that\n"
                     "would land outside the layer are refused (exit status 2).");
    parser.option("--tag", "NAME", "(-t) Name for the image (default: the name in the archive)")
        .flag("--json", "Print one JSON object: image, format, whiteouts, opaque_dirs")
        .positional("FILE", "The layout directory or archive");
    if (!parser.parse(expandShortOptions(args))) return 0;
    const img::ImageStore store;
    const auto result = img::importImage(store, parser.positionalValue("FILE"), parser.value("--tag"));
    if (parser.has("--json")) {
        JsonObject out;
        out["image"] = toJson(result.image);
        out["format"] = result.format;
        out["whiteouts"] = static_cast<std::int64_t>(result.whiteouts);
        out["opaque_dirs"] = static_cast<std::int64_t>(result.opaque_dirs);
        printJson(out);
    } else {
        std::printf("Imported %s (%s): %zu layers, %zu whiteouts, %zu opaque directories\n", result.image.name.c_str(),
                    result.format.c_str(), result.image.layers.size(), result.whiteouts, result.opaque_dirs);
    }
    return 0;
}

int lsVerb(const Args& args) {
    ArgParser parser("virtlab image ls [--json]", "Lists the images in the store.");
    parser.flag("--json", "Print one JSON object: store, images [...]");
    if (!parser.parse(args)) return 0;
    const img::ImageStore store;
    const auto images = store.list();
    if (parser.has("--json")) {
        JsonArray list;
        for (const auto& r : images) list.append(toJson(r));
        JsonObject out;
        out["store"] = store.root();
        out["images"] = list;
        printJson(out);
        return 0;
    }
    std::printf("%-30s %-7s %-20s %s\n", "NAME", "LAYERS", "CREATED", "COMMAND");
    for (const auto& r : images) {
        std::string command;
        for (const auto& word : r.defaultArgv()) command += (command.empty() ? "" : " ") + word;
        std::printf("%-30s %-7zu %-20s %s\n", r.name.c_str(), r.layers.size(), r.created.c_str(), command.c_str());
    }
    return 0;
}

int rmVerb(const Args& args) {
    ArgParser parser("virtlab image rm NAME [--force]",
                     "Removes an image, then every layer no other image uses. Refused (exit 1) while a container\n"
                     "started from it is kept (exited, not removed: see container ps --all) unless --force, and\n"
                     "always while one runs (its root file system is a mount of the layers), as Docker does.");
    parser.flag("--force", "Remove it even though exited containers were started from it").positional("NAME", "The image");
    if (!parser.parse(args)) return 0;
    const img::ImageStore store;
    const img::ImageStore::WriteLock lock(store);
    const std::string name = parser.positionalValue("NAME");
    std::vector<std::string> users;
    try {
        users = ct::containersUsingImage(name, parser.has("--force"));
    } catch (const Error& e) {
        // No XDG_RUNTIME_DIR without root: this user can have no containers to check.
        if (e.kind() != Error::Kind::Input) throw;
    }
    if (!users.empty()) {
        std::string list;
        for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
        throw Error(Error::Kind::System, "image rm: " + name + " is used by container " + list +
                                             (parser.has("--force") ? "" : " (container rm it first, or --force)"));
    }
    const auto removed = store.remove(parser.positionalValue("NAME"));
    std::printf("Removed %s (%zu layers no longer used)\n", parser.positionalValue("NAME").c_str(), removed.size());
    return 0;
}

int pruneVerb(const Args& args) {
    ArgParser parser("virtlab image prune",
                     "Removes layers no image uses and build-cache entries that can no longer hit or that no layer\n"
                     "anchors (a config-only step on an empty parent).");
    if (!parser.parse(args)) return 0;
    const img::ImageStore store;
    const img::ImageStore::WriteLock lock(store);
    std::printf("Removed %zu build-cache entries\n", store.pruneBuildCache());
    return 0;
}

int inspectVerb(const Args& args) {
    ArgParser parser("virtlab image inspect NAME [--json]",
                     "The image's layer stack as overlayfs sees it (top first), with each layer's whiteouts.");
    parser.flag("--json", "Print one JSON object: name, lower_dirs, layers [{id, dir, whiteouts}], env, workdir, argv")
        .positional("NAME", "The image");
    if (!parser.parse(args)) return 0;
    const auto image = img::ImageStore().resolve(parser.positionalValue("NAME"));
    if (parser.has("--json")) {
        JsonArray layers;
        for (const auto& layer : image.layers) {
            JsonArray whiteouts;
            for (const auto& w : layer.whiteouts) {
                JsonObject o;
                o["path"] = "/" + w.path;
                o["opaque"] = w.opaque;
                whiteouts.append(o);
            }
            JsonObject o;
            o["id"] = layer.id;
            o["dir"] = layer.dir;
            o["whiteouts"] = whiteouts;
            layers.append(o);
        }
        JsonObject out;
        out["name"] = image.name;
        out["lower_dirs"] = toJsonArray(image.lower_dirs);
        out["layers"] = layers;
        out["env"] = toJsonArray(image.env);
        out["workdir"] = image.workdir;
        out["argv"] = toJsonArray(image.argv);
        printJson(out);
        return 0;
    }
    std::printf("%s: %zu layers, top first (overlayfs lowerdir order)\n", image.name.c_str(), image.layers.size());
    for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) {
        std::printf("  %s  %s\n", shortId(it->id).c_str(), it->dir.c_str());
        for (const auto& w : it->whiteouts)
            std::printf("      %s /%s\n", w.opaque ? "opaque dir" : "whiteout  ", w.path.c_str());
    }
    return 0;
}

int exportBundleVerb(const Args& args) {
    ArgParser parser("virtlab image export-bundle NAME DIR [-- CMD [ARG...]]",
                     "Writes an OCI runtime bundle (DIR/config.json and DIR/rootfs) that\n"
                     "`crun run --bundle DIR ID` and `runc run --bundle DIR ID` start.");
    parser.option("--hostname", "H", "Host name in config.json", std::string("virtlab"))
        .positional("NAME", "The image")
        .positional("DIR", "The bundle directory (must not exist, or be empty)");
    if (!parser.parse(args)) return 0;
    img::BundleOptions options;
    options.args = parser.rest();
    options.hostname = parser.value("--hostname");
    img::exportBundle(img::ImageStore(), parser.positionalValue("NAME"), parser.positionalValue("DIR"), options);
    std::printf("Bundle for %s in %s (config.json + rootfs)\n", parser.positionalValue("NAME").c_str(),
                parser.positionalValue("DIR").c_str());
    return 0;
}

void printImageHelp() {
    std::printf("Usage: virtlab image VERB ...\n\n"
                "Container images: layers stacked as overlayfs lower directories.\n\n"
                "Verbs:\n"
                "  build -f LABFILE -t NAME [CONTEXT]   build from a Labfile (Dockerfile subset), with a layer cache\n"
                "  import FILE [-t NAME]                OCI image layout (dir or tar) or docker save archive\n"
                "  ls [--json]                          list images\n"
                "  inspect NAME [--json]                the layer stack and its whiteouts\n"
                "  rm NAME [--force]                    remove an image and its unused layers\n"
                "  prune                                remove unused layers and stale build-cache entries\n"
                "  export-bundle NAME DIR               OCI runtime bundle for crun / runc\n\n"
                "Store: /var/lib/virtlab/images as root, $XDG_DATA_HOME/virtlab/images otherwise.\n");
}

int imageCommand(const Args& args) {
    if (args.empty()) throwInput("image: missing verb (build, import, ls, inspect, rm, prune, export-bundle)");
    const std::string& verb = args[0];
    if (verb == "--help" || verb == "-h" || verb == "help") {
        printImageHelp();
        return 0;
    }
    const Args rest(args.begin() + 1, args.end());
    if (verb == "build") return buildVerb(rest);
    if (verb == "import") return importVerb(rest);
    if (verb == "ls") return lsVerb(rest);
    if (verb == "rm") return rmVerb(rest);
    if (verb == "prune") return pruneVerb(rest);
    if (verb == "inspect") return inspectVerb(rest);
    if (verb == "export-bundle") return exportBundleVerb(rest);
    throwInput("image: unknown verb '" + verb + "' (valid verbs: build, import, ls, inspect, rm, prune, export-bundle)");
}

}  // namespace

VIRTLAB_COMMAND(image, "image",
                "image build|import|ls|inspect|rm|prune|export-bundle ...  container images as overlay layers "
                "(see virtlab image --help)",
                41, &imageCommand);

}  // namespace vl::cli
