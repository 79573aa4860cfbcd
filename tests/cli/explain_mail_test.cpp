// `check` explains the §5 verdicts for the administrator: each verdict that is not a pass says
// what to publish or fix (cli/explain.cpp).
#include "explain.hpp"

#include <nulmeting/verdict/domain.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace nulmeting;

namespace {
DnsAnswer txt(std::string q, std::vector<std::string> recs) {
  DnsAnswer a;
  a.qname = std::move(q);
  a.qtype = 16;
  a.cls = recs.empty() ? DnsClass::InsecureNx : DnsClass::Insecure;
  a.reason = recs.empty() ? DnsReason::NxDomain : DnsReason::Ok;
  a.records = std::move(recs);
  return a;
}
bool any_line(const std::vector<std::string>& why, std::string_view needle) {
  return std::any_of(why.begin(), why.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}
}  // namespace

TEST_CASE("check explains what to publish or fix for SPF, DMARC, DKIM, TLS-RPT",
          "[cli][explain][mailstd]") {
  DomainResult r;
  r.entry.domain = "gemeente.test";
  r.mx_lookup = txt("gemeente.test", {"0 ."});
  r.mx_lookup.qtype = 15;
  auto& ms = r.mail_standards;
  ms.measured = true;
  ms.spf_txt = txt("gemeente.test", {});
  ms.dmarc_txt = txt("_dmarc.gemeente.test", {"v=DMARC1; p=none; pct=20"});
  ms.dkim = txt("_domainkey.gemeente.test", {});
  ms.tls_rpt_txt = txt("_smtp._tls.gemeente.test", {});
  verdict::finalize(r);
  auto why = cli::explain_reasons(r);
  CHECK(any_line(why, "v=spf1 -all"));  // null MX: a domain that sends no mail
  CHECK(any_line(why, "DMARC policy none"));
  CHECK(any_line(why, "pct=20"));
  CHECK(any_line(why, "DKIM: _domainkey.gemeente.test does not exist"));
  CHECK_FALSE(any_line(why, "TLS-RPT"));  // n/a without mail
  const std::string text = cli::explain_text(r);
  CHECK(text.find("spf: none (n/a)  dmarc: valid (none)  dkim: absent  tls_rpt: n/a") !=
        std::string::npos);

  ms.spf_txt = txt("gemeente.test", {"v=spf1 a:x1.test a:x2.test a:x3.test -all"});
  for (const char* x : {"x1.test", "x2.test", "x3.test"}) {
    ms.spf_lookups.push_back(txt(x, {}));
    ms.spf_lookups.back().qtype = 1;
  }
  verdict::finalize(r);
  why = cli::explain_reasons(r);
  CHECK(any_line(why, "SPF invalid: more than 2 void lookups"));

  // A measured domain with everything right says nothing about them.
  ms.spf_txt = txt("gemeente.test", {"v=spf1 -all"});
  ms.spf_lookups.clear();
  ms.dmarc_txt = txt("_dmarc.gemeente.test", {"v=DMARC1; p=reject"});
  ms.dkim.reason = DnsReason::NoData;
  verdict::finalize(r);
  why = cli::explain_reasons(r);
  CHECK_FALSE(any_line(why, "SPF"));
  CHECK_FALSE(any_line(why, "DMARC"));
  CHECK_FALSE(any_line(why, "DKIM"));
}
