# Dependencies.cmake — find every third-party library once, as imported targets.
#
# Debian 12 packages (scripts/install-deps) and the Conan 2 recipe (conan/conanfile.py) both
# provide CMake config files or pkg-config files; this file uses the same names on both paths.
# Libraries without a CMake config in Debian (libunbound, libuv, libidn2, libxlsxwriter) are
# found through pkg-config, which Conan's PkgConfigDeps generator also provides.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(pugixml REQUIRED)
find_package(EXPAT 2.4 REQUIRED)   # streaming ROO export reader (docs/decisions/domain-lists.md)

pkg_check_modules(UNBOUND REQUIRED IMPORTED_TARGET libunbound>=1.17)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv>=1.44)
# MTA-STS policy fetch (https_fetch.cpp): the multi-socket API on the libuv loop; 7.85 for
# CURLOPT_PROTOCOLS_STR. Debian: libcurl4-openssl-dev (OpenSSL, like the probes).
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl>=7.85)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2>=2.3)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl>=0.21)  # organisational domains (DMARC, provider grouping)
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)

if(NULMETING_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)   # catch_discover_tests
endif()
