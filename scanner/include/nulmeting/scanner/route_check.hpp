// route_check.hpp — does the scanner host have an IPv4 and an IPv6 route to the internet?
//
// measurement.md §2.3: checked at start-up, recorded with the run, a warning when a family is
// missing; without a route every address of that family ends as `no_route` (not measured).
// How: connect() a UDP socket to a public address of each family and close it. A UDP connect
// only asks the kernel for a route (policy routing included) and sends no packet. The targets
// are a root server's addresses, which a DNS scanner must be able to reach anyway.
// Called by ScanEngine::create; any thread.
#pragma once

#include <string>

namespace nulmeting::scanner {

struct RouteCheck {
  bool ipv4 = false;
  bool ipv6 = false;
};

// True when the kernel has a route to `ip` (numeric IPv4 or IPv6). No packet is sent.
bool has_route_to(const std::string& ip);

// a.root-servers.net: 198.41.0.4 and 2001:503:ba3e::2:30.
RouteCheck check_routes();

}  // namespace nulmeting::scanner
