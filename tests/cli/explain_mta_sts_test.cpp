// `check` explains MTA-STS to the administrator: what was read and what to publish or fix.
#include "explain.hpp"

#include <nulmeting/verdict/domain.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;

namespace {

DomainResult receiving(std::vector<std::string> mx_hosts) {
  DomainResult r;
  r.entry.domain = "example.nl";
  r.mx_lookup.qname = "example.nl";
  r.mx_lookup.qtype = 15;
  r.mx_lookup.cls = DnsClass::Insecure;
  r.mx_lookup.reason = DnsReason::Ok;
  std::uint16_t pref = 10;
  for (const auto& h : mx_hosts) {
    r.mx_lookup.records.push_back(std::to_string(pref) + " " + h + ".");
    MxHostResult m;
    m.name = h;
    m.preference = pref++;
    r.mx.push_back(m);
  }
  r.mta_sts.looked_up = true;
  r.mta_sts.txt.qname = "_mta-sts.example.nl";
  r.mta_sts.txt.qtype = 16;
  r.mta_sts.txt.cls = DnsClass::Insecure;
  r.mta_sts.txt.reason = DnsReason::Ok;
  r.mta_sts.txt.records = {R"("v=STSv1; id=1")"};
  r.mta_sts.fetch = MtaStsFetch::Ok;
  r.mta_sts.http_status = 200;
  r.mta_sts.content_type = "text/plain";
  r.mta_sts.policy_text = "version: STSv1\nmode: enforce\nmx: mx1.example.nl\nmax_age: 86400\n";
  return r;
}

}  // namespace

TEST_CASE("check explains an MX host the MTA-STS policy does not name", "[cli][mta_sts]") {
  DomainResult r = receiving({"mx1.example.nl", "mx2.example.nl"});
  verdict::finalize(r);
  REQUIRE(r.verdict.mta_sts == MtaStsVerdict::Invalid);
  const std::string text = cli::explain_text(r);
  CHECK(text.find("MTA-STS: invalid") != std::string::npos);
  CHECK(text.find("add an `mx:` line for mx2.example.nl") != std::string::npos);
}

TEST_CASE("check: an enforced policy needs nothing, a missing one is explained", "[cli][mta_sts]") {
  DomainResult r = receiving({"mx1.example.nl"});
  verdict::finalize(r);
  std::string text = cli::explain_text(r);
  CHECK(text.find("MTA-STS: enforce") != std::string::npos);
  CHECK(text.find("to do:") == std::string::npos);
  r.mta_sts.txt.records.clear();
  r.mta_sts.txt.cls = DnsClass::InsecureNx;
  r.mta_sts.fetch = MtaStsFetch::NotFetched;
  verdict::finalize(r);
  text = cli::explain_text(r);
  CHECK(text.find("MTA-STS: none") != std::string::npos);
  CHECK(text.find("publish a TXT record `v=STSv1; id=<serial>` at _mta-sts.example.nl") !=
        std::string::npos);
}
