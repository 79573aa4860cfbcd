"""Conan 2 recipe for nulmeting — for building on systems without Debian 12 packages.

The Debian path (scripts/install-deps) is the tested one; this recipe keeps the same dependency
set and lets CMake find everything the same way (find_package for config-file packages,
pkg-config for libunbound, libuv, libidn2 and libxlsxwriter, see cmake/Dependencies.cmake).

    conan install conan --output-folder=build/conan --build=missing -s compiler.cppstd=23
    cmake -S . -B build/conan -G Ninja -DCMAKE_TOOLCHAIN_FILE=build/conan/conan_toolchain.cmake \
          -DCMAKE_BUILD_TYPE=Release
    cmake --build build/conan

Dependencies without a ConanCenter recipe (checked against ConanCenter's index):
  * libunbound — no recipe in ConanCenter. Install it from the system (e.g. `libunbound-dev`,
    `unbound-devel`, Homebrew `unbound`); pkg-config finds it, the recipe does not provide it.
  * libidn2 — ConanCenter has `libidn2`; used below.
"""
from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.gnu import PkgConfigDeps


class NulmetingConan(ConanFile):
    name = "nulmeting"
    version = "0.1.0"
    license = "EUPL-1.2"
    description = "STARTTLS and DANE (RFC 7672) adoption scanner for Dutch public bodies"
    settings = "os", "compiler", "build_type", "arch"
    exports_sources = ("../CMakeLists.txt", "../CMakePresets.json", "../cmake/*", "../domains/*",
                       "../scanner/*", "../storage/*", "../reports/*", "../cli/*", "../tests/*")

    def requirements(self):
        self.requires("libuv/1.44.2")
        self.requires("openssl/[>=3.0 <4]")
        self.requires("sqlite3/3.40.1")
        self.requires("spdlog/1.10.0")
        self.requires("fmt/9.1.0")
        self.requires("cli11/2.3.2")
        self.requires("nlohmann_json/3.11.2")
        self.requires("libidn2/2.3.0")
        self.requires("pugixml/1.13")
        self.requires("libxlsxwriter/1.1.5")
        self.requires("expat/[>=2.4 <3]")
        # libunbound: no ConanCenter recipe — taken from the system through pkg-config.

    def build_requirements(self):
        self.test_requires("catch2/2.13.10")
        self.tool_requires("pkgconf/[>=1.9 <3]")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        CMakeDeps(self).generate()
        PkgConfigDeps(self).generate()
        tc = CMakeToolchain(self)
        tc.variables["CMAKE_CXX_STANDARD"] = "23"
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if not self.conf.get("tools.build:skip_test", default=False):
            cmake.test()

    def package(self):
        CMake(self).install()
