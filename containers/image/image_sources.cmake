# Container images (issue 5, "Images"): a content-addressed layer store, the Labfile builder,
# OCI / docker-save import through libarchive, and OCI runtime bundle export. Included by
# containers/CMakeLists.txt. Everything but import joins vl_container_runtime (`container run
# --image` reads the store); import and the archive unpacker make vl_containers, the one
# library that links libarchive, so the process serving `container run` never maps it.
target_sources(vl_container_runtime PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/labfile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_build.cpp
  ${CMAKE_CURRENT_LIST_DIR}/oci_bundle.cpp
)
# Debian: nlohmann-json3-dev (OCI JSON, header-only), libarchive-dev (tar, gzip, zstd).
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(vl_container_runtime PRIVATE nlohmann_json::nlohmann_json)

add_library(vl_containers STATIC
  ${CMAKE_CURRENT_LIST_DIR}/safe_unpack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_import.cpp
)
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
target_link_libraries(vl_containers PUBLIC vl_container_runtime PRIVATE PkgConfig::LIBARCHIVE nlohmann_json::nlohmann_json)
