#include <nulmeting/scanner/versions.hpp>

#include <openssl/crypto.h>
#include <unbound.h>
#include <uv.h>

namespace nulmeting::scanner {
std::string libunbound_version() { return ub_version(); }
std::string libuv_version() { return uv_version_string(); }
std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION_STRING); }
}  // namespace nulmeting::scanner
