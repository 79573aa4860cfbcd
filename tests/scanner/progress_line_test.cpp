// The scan's progress line: probes waiting out a 4xx backoff are shown (the line no longer
// reads "0 probes, 0 DNS" for a minute), and the total and ETA are what this session has left.
#include <nulmeting/scanner/scan_engine.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;

TEST_CASE("progress line: 4xx retries are visible", "[progress]") {
  EngineProgress p;
  p.pipeline.domains_done = 10;
  p.pipeline.domains_in_flight = 3;
  p.elapsed_s = 10;
  p.probes_retry_wait = 3;
  const auto line = progress_line(p, 20);
  CHECK(line.find("0 probes (3 waiting to retry a 4xx), 0 DNS") != std::string::npos);
  p.probes_retry_wait = 0;
  CHECK(progress_line(p, 20).find("retry") == std::string::npos);
}

TEST_CASE("progress line: domains waiting for their mail servers are visible", "[progress]") {
  EngineProgress p;
  p.pipeline.domains_in_flight = 30;
  p.pipeline.domains_waiting = 25;
  CHECK(progress_line(p, 100).find("in flight: 30 domains (25 waiting for their mail servers), 0 "
                                   "probes") != std::string::npos);
  p.pipeline.domains_waiting = 0;
  CHECK(progress_line(p, 100).find("waiting") == std::string::npos);
}

TEST_CASE("progress line: total and ETA count what is left", "[progress]") {
  EngineProgress p;
  p.pipeline.domains_done = 100;
  p.elapsed_s = 10;  // 10 domains/s this session
  // A resumed run of 10,000 domains with 9,000 already measured has 1,000 to do: 900 left.
  const auto line = progress_line(p, 1000);
  CHECK(line.starts_with("100/1000 domains  10.0/s"));
  CHECK(line.ends_with("ETA 0:01:30"));
  p.elapsed_s = 0;
  CHECK(progress_line(p, 1000).ends_with("ETA --"));
}

TEST_CASE("progress line: DNS failures being confirmed are visible", "[progress]") {
  EngineProgress p;
  p.pipeline.domains_in_flight = 2;
  p.dns_confirming = 2;
  CHECK(progress_line(p, 20).find("0 DNS of limit 0 (2 failures being confirmed)") !=
        std::string::npos);
  p.dns_confirming = 0;
  CHECK(progress_line(p, 20).find("confirmed") == std::string::npos);
}

TEST_CASE("progress line: the DNS limit and recovered failures are visible", "[progress]") {
  EngineProgress p;
  p.dns_in_flight = 37;
  p.dns_limit = 48;
  CHECK(progress_line(p, 20).find("37 DNS of limit 48  ") != std::string::npos);
  CHECK(progress_line(p, 20).find("recovered") == std::string::npos);
  p.dns_fail_recovered = 5;
  CHECK(progress_line(p, 20).find("37 DNS of limit 48 (5 recovered)") != std::string::npos);
}
