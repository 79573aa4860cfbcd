#include "scan_config.hpp"

#include <nulmeting/domains/domain_name.hpp>
#include <nulmeting/scanner/address_policy.hpp>
#include <nulmeting/scanner/versions.hpp>
#include <nulmeting/storage/versions.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace nulmeting::cli {

std::expected<scanner::EngineConfig, std::string> engine_config(const ProbeOptions& o) {
  if (o.ehlo_name.empty())
    return std::unexpected(
        "--ehlo-name FQDN is required: the name of the scanning host, with forward and reverse "
        "DNS, so that mail administrators can see who is measuring");
  auto ehlo = normalize_domain(o.ehlo_name);
  if (!ehlo || ehlo->ascii.find('.') == std::string::npos)
    return std::unexpected("--ehlo-name '" + o.ehlo_name +
                           "' is not a fully qualified domain name" +
                           (ehlo ? std::string() : ": " + ehlo.error()));
  scanner::EngineConfig c;
  c.dns.resolvers = o.resolvers;
  if (!o.trust_anchor.empty()) c.dns.trust_anchor_file = o.trust_anchor;
  c.dns.full_recursion = o.full_recursion;
  c.dns.root_hints = o.root_hints;
  c.dns.timeout = std::chrono::milliseconds(o.dns_timeout_ms);
  c.dns.max_in_flight = o.dns_inflight;
  c.dns.cache_mb = o.dns_cache_mb;
  if (o.dns_confirm_seconds) c.dns.confirm_window = std::chrono::seconds(*o.dns_confirm_seconds);
  if (c.dns.confirm_window < std::chrono::seconds(30))
    spdlog::warn(
        "--dns-confirm-seconds {}: DNS failures are confirmed over less than the 30 s "
        "the measurement contract asks for (tests only)",
        std::chrono::duration_cast<std::chrono::seconds>(c.dns.confirm_window).count());
  c.smtp.max_concurrency = o.concurrency;
  c.smtp.per_ip = o.per_ip;
  c.smtp.min_interval_ms = o.per_ip_interval_ms;
  c.smtp.max_attempts = static_cast<int>(o.smtp_attempts);
  c.smtp.backoff_ms = o.smtp_retry_backoff_ms;
  c.smtp.tls_max_connections = static_cast<int>(o.tls_max_connections);
  c.smtp.probe.ehlo_name = ehlo->ascii;
  for (const auto& a : o.allow_address) {
    auto range = scanner::parse_cidr(a);
    if (!range) return std::unexpected("--allow-address: " + range.error());
    c.smtp.probe.allowed_ranges.push_back(*range);
  }
  c.https.ca_file = o.ca_file;
  c.mail_standards = o.mail_standards;
  auto& t = c.smtp.probe.timeouts;
  t.connect = std::min(o.smtp_timeout_ms, kEngineDefaults.smtp.probe.timeouts.connect);
  t.banner = t.ehlo = t.starttls = t.handshake = o.smtp_timeout_ms;
  c.smtp_port = o.smtp_port;
  c.max_mx = o.max_mx;
  c.max_domains_in_flight = o.domains_in_flight;
  c.max_domains_resolving = o.domains_resolving;
  return c;
}

std::expected<std::unique_ptr<ScannerSession>, std::string> open_scanner(const ProbeOptions& o) {
  auto cfg = engine_config(o);
  if (!cfg) return std::unexpected(cfg.error());
  auto session = std::make_unique<ScannerSession>();
  auto engine = scanner::ScanEngine::create(session->loop.get(), *cfg);
  if (!engine) return std::unexpected(engine.error());
  session->engine = std::move(*engine);
  const auto routes = session->engine->routes();
  for (const auto& [ok, family] : {std::pair{routes.ipv4, "IPv4"}, std::pair{routes.ipv6, "IPv6"}})
    if (!ok)
      spdlog::warn(
          "this host has no {} route to the internet: {} addresses it cannot reach are recorded "
          "as no_route (not measured) and their domains as incomplete",
          family, family);
  return session;
}

nlohmann::ordered_json routes_json(const scanner::RouteCheck& r) {
  return {{"ipv4", r.ipv4}, {"ipv6", r.ipv6}};
}

void ScannerSession::finish() {
  if (engine) engine->close();
  engine.reset();
  if (loop.close() != 0) spdlog::error("event loop did not close cleanly (a handle leaked)");
}

std::string options_json(const ProbeOptions& o) {
  nlohmann::ordered_json j{
      {"resolvers", o.resolvers},
      {"trust_anchor",
       o.trust_anchor.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(o.trust_anchor)},
      {"full_recursion", o.full_recursion},
      {"ehlo_name", o.ehlo_name},
      {"concurrency", o.concurrency},
      {"per_ip", o.per_ip},
      {"per_ip_interval_ms", o.per_ip_interval_ms},
      {"smtp_port", o.smtp_port},
      {"tls_max_connections", o.tls_max_connections},
      {"allow_address", o.allow_address},
      {"mail_standards", o.mail_standards},
      {"smtp_timeout_ms", o.smtp_timeout_ms},
      {"smtp_attempts", o.smtp_attempts},
      {"smtp_retry_backoff_ms", o.smtp_retry_backoff_ms},
      {"dns_inflight", o.dns_inflight},
      {"dns_timeout_ms", o.dns_timeout_ms},
      {"dns_cache_mb", o.dns_cache_mb},
      {"dns_confirm_seconds",
       o.dns_confirm_seconds.value_or(static_cast<unsigned>(
           std::chrono::duration_cast<std::chrono::seconds>(scanner::DnsConfig{}.confirm_window)
               .count()))},
      {"max_mx", o.max_mx ? nlohmann::ordered_json(*o.max_mx) : nlohmann::ordered_json()},
  };
  return j.dump();
}

std::string versions_json() {
  nlohmann::ordered_json j{{"nulmeting", NULMETING_VERSION},
                           {"libunbound", scanner::libunbound_version()},
                           {"libuv", scanner::libuv_version()},
                           {"openssl", scanner::openssl_version()},
                           {"sqlite", storage::sqlite_version()}};
  return j.dump();
}

}  // namespace nulmeting::cli
