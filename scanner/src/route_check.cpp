// route_check.cpp — see route_check.hpp.
#include <nulmeting/scanner/route_check.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace nulmeting::scanner {

bool has_route_to(const std::string& ip) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(53);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(53);
    len = sizeof *v6;
  } else {
    return false;
  }
  const int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // EAFNOSUPPORT: no such family on this host
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0;
  close(fd);
  return ok;
}

RouteCheck check_routes() { return {has_route_to("198.41.0.4"), has_route_to("2001:503:ba3e::2:30")}; }

}  // namespace nulmeting::scanner
