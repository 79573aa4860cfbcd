// The command line's defaults are the library's: `scan` with no tuning options builds exactly
// the default scanner configuration, and the storage error kinds map onto interface.md's exit
// codes.
#include "options.hpp"
#include "scan_config.hpp"

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::cli;

TEST_CASE("scan options without tuning give the scanner's default configuration",
          "[cli][defaults]") {
  ProbeOptions o;
  o.ehlo_name = "scanner.example.org";  // required, has no default
  auto c = engine_config(o);
  REQUIRE(c.has_value());
  const scanner::EngineConfig d{};
  CHECK(c->smtp.max_concurrency == d.smtp.max_concurrency);
  CHECK(c->smtp.per_ip == d.smtp.per_ip);
  CHECK(c->smtp.min_interval_ms == d.smtp.min_interval_ms);
  CHECK(c->smtp.max_attempts == d.smtp.max_attempts);
  CHECK(c->smtp.backoff_ms == d.smtp.backoff_ms);
  CHECK(c->smtp.tls_max_connections == d.smtp.tls_max_connections);
  CHECK(c->smtp.tls_quality == d.smtp.tls_quality);
  CHECK(c->smtp.probe.timeouts.connect == d.smtp.probe.timeouts.connect);
  CHECK(c->smtp.probe.timeouts.banner == d.smtp.probe.timeouts.banner);
  CHECK(c->smtp.probe.timeouts.ehlo == d.smtp.probe.timeouts.ehlo);
  CHECK(c->smtp.probe.timeouts.starttls == d.smtp.probe.timeouts.starttls);
  CHECK(c->smtp.probe.timeouts.handshake == d.smtp.probe.timeouts.handshake);
  CHECK(c->dns.timeout == d.dns.timeout);
  CHECK(c->dns.max_in_flight == d.dns.max_in_flight);
  CHECK(c->dns.cache_mb == d.dns.cache_mb);
  CHECK(c->dns.full_recursion == d.dns.full_recursion);
  CHECK(c->smtp_port == d.smtp_port);
  CHECK(c->max_mx == d.max_mx);
  CHECK(c->max_domains_in_flight == d.max_domains_in_flight);
  CHECK(c->max_domains_resolving == d.max_domains_resolving);
  CHECK(c->mta_sts == d.mta_sts);
  CHECK(c->https.ca_file == d.https.ca_file);
  CHECK(c->https.total_timeout_ms == d.https.total_timeout_ms);
}

TEST_CASE("option ca-file reaches the MTA-STS policy fetch", "[cli][mta_sts]") {
  ProbeOptions o;
  o.ehlo_name = "scanner.example.org";
  o.ca_file = "/etc/nulmeting/test-ca.pem";
  auto c = engine_config(o);
  REQUIRE(c.has_value());
  CHECK(c->https.ca_file == "/etc/nulmeting/test-ca.pem");
}

TEST_CASE("the documented defaults are the library's", "[cli][defaults]") {
  // README and docs name these numbers; a change is a decision, not a side effect.
  const scanner::EngineConfig d{};
  CHECK(d.smtp.max_concurrency == 500);
  CHECK(d.smtp.per_ip == 2);
  CHECK(d.smtp.min_interval_ms == 1000);
  CHECK(d.smtp.tls_max_connections == 16);  // issue 15: any server in at most 16
  CHECK(d.dns.timeout.count() == 5000);
  CHECK(d.dns.max_in_flight == 1000);
  CHECK(d.dns.cache_mb == 2);
  CHECK(d.max_domains_in_flight == 10000);  // benchmarks.md decision 8
  CHECK(d.max_domains_resolving == 2000);
}

TEST_CASE("storage errors map onto interface.md's exit codes", "[cli][exit]") {
  using K = storage::StorageError::Kind;
  const std::pair<K, int> table[] = {
      {K::NotFound, 2},  {K::BadDatabase, 2}, {K::NewerSchema, 2}, {K::Locked, 2},
      {K::NoSuchRun, 2}, {K::Io, 3},          {K::Internal, 3},
  };
  for (auto [kind, code] : table) {
    INFO("kind " << static_cast<int>(kind));
    CHECK(exit_code_for(storage::StorageError{kind, "x"}) == code);
  }
}
