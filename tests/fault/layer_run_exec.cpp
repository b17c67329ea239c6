// What the Containers pane (ImageContainerEngine) and the lessons do for an image run, in a
// small process the fault tests can kill: the layer stack is mounted in the HOST's mount table
// -- a second thread runs first, so, like the GUI, this process could not move into a private
// mount namespace -- and a container is started on it. Under VIRTLAB_FAULT=kill-after:<phase>
// the process dies at that phase with the overlay still mounted, which `container gc` must
// then find through the layer mount record (containers/layer_mount_record.h).
//
//   vlab_layer_run_exec LOWER_DIR    prints the mount point, then runs /bin/sleep 60 on it
#include <cstdio>
#include <exception>
#include <future>
#include <thread>

#include "containers/container_engine.h"
#include "containers/rootfs.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: vlab_layer_run_exec LOWER_DIR\n");
        return 2;
    }
    std::promise<void> done;
    std::thread other([finished = done.get_future()]() mutable { finished.wait(); });  // threaded, as the GUI is
    int status = 1;
    try {
        vl::ct::LayerStackMount layers({argv[1]});
        std::printf("%s\n", layers.path().c_str());
        std::fflush(stdout);
        vl::ct::ContainerConfig config;
        config.argv = {"/bin/sleep", "60"};
        config.rootfs = layers.path();
        vl::ct::ContainerEngine engine(config);
        status = engine.run() == vl::RunState::Finished ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vlab_layer_run_exec: %s\n", e.what());
    }
    done.set_value();
    other.join();
    return status;
}
