# Container images (issue 5, "Images"): a content-addressed layer store, the Labfile builder,
# OCI / docker-save import through libarchive, and OCI runtime bundle export. Included by
# containers/CMakeLists.txt so the sources join vl_containers (one library, one link line).
target_sources(vl_containers PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_tree.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safe_unpack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/labfile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_build.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_import.cpp
  ${CMAKE_CURRENT_LIST_DIR}/oci_bundle.cpp
)
# Debian: libarchive-dev (tar, gzip, zstd), libssl-dev (SHA-256), nlohmann-json3-dev (OCI JSON).
pkg_check_modules(LIBARCHIVE REQUIRED IMPORTED_TARGET libarchive)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(vl_containers PRIVATE PkgConfig::LIBARCHIVE OpenSSL::Crypto nlohmann_json::nlohmann_json)
