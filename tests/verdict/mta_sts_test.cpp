// MTA-STS (RFC 8461, measurement.md §5): TXT record, policy grammar, MX patterns, verdict.
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/mta_sts.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nulmeting;
using namespace nulmeting::verdict;

TEST_CASE("TXT presentation text is unquoted and concatenated", "[mta_sts]") {
  CHECK(txt_value(R"("v=STSv1; id=1")") == "v=STSv1; id=1");
  CHECK(txt_value(R"("v=STSv1; " "id=20240101")") == "v=STSv1; id=20240101");
  CHECK(txt_value(R"("a\"b\\c\059d")") == "a\"b\\c;d");
  CHECK(txt_value("v=STSv1; id=2") == "v=STSv1; id=2");
}

TEST_CASE("the _mta-sts TXT records", "[mta_sts]") {
  using K = StsTxt::Kind;
  struct Row {
    std::vector<std::string> records;
    K kind;
    std::string id;
  };
  const std::vector<Row> rows{
      {{}, K::None, ""},
      {{R"("v=spf1 -all")"}, K::None, ""},
      {{R"("v=STSv1; id=20240101T00")"}, K::Valid, "20240101T00"},
      {{R"("v=STSv1;id=abc;")"}, K::Valid, "abc"},
      {{R"("v=STSv1 ; id=abc ; ext=x")"}, K::Valid, "abc"},
      {{R"("v=STSv1; ext=1; id=Z9")", R"("other")"}, K::Valid, "Z9"},
      {{R"("v=STSv10; id=1")"}, K::None, ""},      // another version: discarded
      {{R"("v=STSv1")"}, K::Invalid, ""},          // no id
      {{R"("v=STSv1; ext=1")"}, K::Invalid, ""},   // no id
      {{R"("v=STSv1; id=")"}, K::Invalid, ""},     // empty id
      {{R"("v=STSv1; id=a-b")"}, K::Invalid, ""},  // id is alphanumeric only
      {{R"("v=STSv1; id=123456789012345678901234567890123")"}, K::Invalid, ""},  // 33
      {{R"("v=STSv1 id=1")"}, K::Invalid, ""},                                   // no delimiter
      {{R"("v=STSv1; id=1")", R"("v=STSv1; id=2")"}, K::Invalid, ""},
  };
  for (const auto& row : rows) {
    INFO((row.records.empty() ? std::string("(none)") : row.records.front()));
    const StsTxt t = sts_txt(row.records);
    CHECK(t.kind == row.kind);
    CHECK(t.id == row.id);
    if (t.kind == K::Invalid) CHECK_FALSE(t.reason.empty());
  }
}

TEST_CASE("the policy file grammar", "[mta_sts]") {
  struct Row {
    std::string text;
    bool valid;
    std::string mode;
    std::vector<std::string> mx;
  };
  const std::vector<Row> rows{
      {"version: STSv1\r\nmode: enforce\r\nmx: mail.example.nl\r\nmx: *.example.net\r\n"
       "max_age: 86400\r\n",
       true,
       "enforce",
       {"mail.example.nl", "*.example.net"}},
      {"version: STSv1\nmode: testing\nmx: MX.Example.NL\nmax_age: 604800",
       true,
       "testing",
       {"mx.example.nl"}},
      {"version: STSv1\nmode: none\nmax_age: 0\n", true, "none", {}},
      {"version:STSv1\nmode:\tenforce \nmx:mx.example.nl\nmax_age:1\nfoo_bar: any thing\n",
       true,
       "enforce",
       {"mx.example.nl"}},
      {"version: STSv1\nmode: enforce\nmax_age: 86400\n", false, "enforce", {}},  // no mx
      {"version: STSv2\nmode: enforce\nmx: a.nl\nmax_age: 1\n", false, "enforce", {"a.nl"}},
      {"mode: enforce\nmx: a.nl\nmax_age: 1\n", false, "enforce", {"a.nl"}},      // no version
      {"version: STSv1\nmx: a.nl\nmax_age: 1\n", false, "", {"a.nl"}},            // no mode
      {"version: STSv1\nmode: enforce\nmx: a.nl\n", false, "enforce", {"a.nl"}},  // no max_age
      {"version: STSv1\nmode: Enforce\nmx: a.nl\nmax_age: 1\n", false, "Enforce", {"a.nl"}},
      {"version: STSv1\nmode: enforce\nmx: a.nl\nmax_age: 31557601\n", false, "enforce", {"a.nl"}},
      {"version: STSv1\nmode: enforce\nmx: a.nl\nmax_age: 12345678901\n",
       false,
       "enforce",
       {"a.nl"}},
      {"version: STSv1\nmode: enforce\nmx: a.nl\nmax_age: -1\n", false, "enforce", {"a.nl"}},
      {"version: STSv1\nmode: enforce\nmx: mail*.a.nl\nmax_age: 1\n", false, "enforce", {}},
      {"version: STSv1\nmode: enforce\nmx: *.*.a.nl\nmax_age: 1\n", false, "enforce", {}},
      {"version: STSv1\nmode: enforce\nmx: -a.nl\nmax_age: 1\n", false, "enforce", {}},
      {"version STSv1\nmode: enforce\nmx: a.nl\nmax_age: 1\n", false, "enforce", {"a.nl"}},
      {"<html><body>Not found</body></html>", false, "", {}},
      {"", false, "", {}},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    const StsPolicyParse p = parse_sts_policy(row.text);
    CHECK(p.policy.has_value() == row.valid);
    CHECK(p.mode == row.mode);
    CHECK(p.mx == row.mx);
    if (!row.valid) CHECK_FALSE(p.error.empty());
  }
  const auto ok = parse_sts_policy("version: STSv1\nmode: enforce\nmx: a.nl\nmax_age: 86400\n");
  REQUIRE(ok.policy);
  CHECK(ok.policy->mode == StsMode::Enforce);
  CHECK(ok.policy->max_age == 86400);
}

TEST_CASE("mx patterns: the wildcard is one whole left-most label", "[mta_sts]") {
  CHECK(sts_mx_matches("mail.example.nl", "mail.example.nl"));
  CHECK(sts_mx_matches("mail.example.nl", "MAIL.Example.NL."));
  CHECK_FALSE(sts_mx_matches("mail.example.nl", "mail2.example.nl"));
  CHECK(sts_mx_matches("*.example.nl", "mx1.example.nl"));
  CHECK_FALSE(sts_mx_matches("*.example.nl", "example.nl"));
  CHECK_FALSE(sts_mx_matches("*.example.nl", "a.b.example.nl"));
  CHECK_FALSE(sts_mx_matches("*.example.nl", "mx1.example.nl.evil"));
  CHECK_FALSE(sts_mx_matches("*.example.nl", ".example.nl"));
  CHECK_FALSE(sts_mx_matches("", "example.nl"));
}

namespace {

MxHostResult host(std::string name) {
  MxHostResult h;
  h.name = std::move(name);
  return h;
}

MtaStsEvidence fetched(std::string body, std::string type = "text/plain", int status = 200) {
  MtaStsEvidence ev;
  ev.looked_up = true;
  ev.txt.cls = DnsClass::Insecure;
  ev.txt.reason = DnsReason::Ok;
  ev.txt.records = {R"("v=STSv1; id=1")"};
  ev.fetch = MtaStsFetch::Ok;
  ev.http_status = status;
  ev.content_type = std::move(type);
  ev.policy_text = std::move(body);
  return ev;
}

const std::string kEnforce = "version: STSv1\nmode: enforce\nmx: *.example.nl\nmax_age: 86400\n";

}  // namespace

TEST_CASE("the mta_sts verdict", "[mta_sts]") {
  const std::vector<MxHostResult> mx{host("mx1.example.nl"), host("mx2.example.nl")};

  SECTION("n/a unless mail is received") {
    MtaStsEvidence ev = fetched(kEnforce);
    for (MailVerdict m : {MailVerdict::NullMx, MailVerdict::NoMail, MailVerdict::Error})
      CHECK(decide_mta_sts(ev, m, mx) == MtaStsVerdict::NotApplicable);
  }
  SECTION("enforce, testing, and mode none") {
    MtaStsEvidence ev = fetched(kEnforce);
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Enforce);
    CHECK(ev.id == "1");
    CHECK(ev.mode == "enforce");
    CHECK(ev.max_age == 86400);
    CHECK(ev.mx_patterns == std::vector<std::string>{"*.example.nl"});
    ev = fetched("version: STSv1\nmode: testing\nmx: *.example.nl\nmax_age: 1\n",
                 "text/plain; charset=utf-8");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Testing);
    ev = fetched("version: STSv1\nmode: none\nmax_age: 1\n", "TEXT/PLAIN");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::None);
    CHECK(ev.reason == "mode none");
  }
  SECTION("no TXT record is none; a DNS failure is error") {
    MtaStsEvidence ev = fetched(kEnforce);
    ev.txt.records.clear();
    ev.txt.cls = DnsClass::InsecureNx;
    ev.fetch = MtaStsFetch::NotFetched;
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::None);
    CHECK(ev.reason == "no TXT record");
    ev.txt.cls = DnsClass::Fail;
    ev.txt.reason = DnsReason::ServFail;
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Error);
    ev = fetched(kEnforce);
    ev.fetch = MtaStsFetch::DnsError;
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Error);
    ev = fetched(kEnforce);
    ev.looked_up = false;
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Error);
  }
  SECTION("a TXT record without id is invalid") {
    MtaStsEvidence ev = fetched(kEnforce);
    ev.txt.records = {R"("v=STSv1;")"};
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
  }
  SECTION("every failed fetch is invalid with the reason") {
    for (MtaStsFetch f : {MtaStsFetch::NoAddress, MtaStsFetch::NotPublic, MtaStsFetch::Refused,
                          MtaStsFetch::Timeout, MtaStsFetch::TlsFailed, MtaStsFetch::Certificate,
                          MtaStsFetch::Redirect, MtaStsFetch::TooLarge, MtaStsFetch::Error}) {
      MtaStsEvidence ev = fetched(kEnforce);
      ev.fetch = f;
      CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
      CHECK(ev.reason.find(to_string(f)) != std::string::npos);
    }
  }
  SECTION("status, type, size and grammar of the response") {
    MtaStsEvidence ev = fetched(kEnforce, "text/plain", 404);
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    ev = fetched(kEnforce, "text/html");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    ev = fetched(kEnforce, "");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    ev = fetched(kEnforce + std::string(kMaxStsPolicyBytes, '#'));
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    ev = fetched("version: STSv1\nmode: enforce\nmax_age: 1\n");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    CHECK(ev.reason.starts_with("policy: "));
  }
  SECTION("an MX host no pattern matches makes the policy invalid") {
    MtaStsEvidence ev =
        fetched("version: STSv1\nmode: enforce\nmx: mx1.example.nl\nmax_age: 86400\n");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Invalid);
    CHECK(ev.mx_not_matching == std::vector<std::string>{"mx2.example.nl"});
    ev = fetched(
        "version: STSv1\nmode: testing\nmx: mx1.example.nl\nmx: mx2.example.nl\n"
        "max_age: 86400\n");
    CHECK(decide_mta_sts(ev, MailVerdict::Receives, mx) == MtaStsVerdict::Testing);
    CHECK(ev.mx_not_matching.empty());
  }
}

TEST_CASE("finalize decides mta_sts and keeps the reading as evidence", "[mta_sts]") {
  DomainResult r;
  r.entry.domain = "example.nl";
  r.mx_lookup.qname = "example.nl";
  r.mx_lookup.qtype = 15;
  r.mx_lookup.cls = DnsClass::Insecure;
  r.mx_lookup.reason = DnsReason::Ok;
  r.mx_lookup.records = {"10 mx1.example.nl."};
  r.mx = {host("mx1.example.nl")};
  r.mta_sts = fetched(kEnforce);
  finalize(r);
  CHECK(r.verdict.mail == MailVerdict::Receives);
  CHECK(r.verdict.mta_sts == MtaStsVerdict::Enforce);
  CHECK(r.mta_sts.mode == "enforce");
  CHECK(decide_domain(r).mta_sts == MtaStsVerdict::Enforce);
  r.mx_lookup.records = {"0 ."};
  finalize(r);
  CHECK(r.verdict.mta_sts == MtaStsVerdict::NotApplicable);
}
