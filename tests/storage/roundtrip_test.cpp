// Round trip: every DomainResult written through RunWriter reads back equal, field by field;
// the fixture database has the runs, sectors and verdict values fixture.hpp promises.
#include "compare.hpp"
#include "support/fixture.hpp"

#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>
#include <nulmeting/verdict/domain.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

std::int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  auto v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

std::set<std::string> query_strings(sqlite3* db, const std::string& sql) {
  std::set<std::string> out;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW)
    out.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  return out;
}

}  // namespace

TEST_CASE("fixture database reads back equal to what was written", "[storage][roundtrip]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  REQUIRE(info->finished_runs.size() == 3);

  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  for (int run = 0; run < 4; ++run) {
    auto expected = testing::fixture_results(run);
    std::sort(expected.begin(), expected.end(),
              [](const auto& a, const auto& b) { return a.entry.domain < b.entry.domain; });
    std::int64_t run_id =
        run < 3 ? info->finished_runs[static_cast<std::size_t>(run)] : info->aborted_run;
    std::size_t i = 0;
    auto n = reader->for_each_domain(run_id, [&](const DomainResult& got) {
      REQUIRE(i < expected.size());
      test::compare(got, expected[i]);
      ++i;
      return true;
    });
    REQUIRE(n.has_value());
    CHECK(static_cast<std::size_t>(*n) == expected.size());
    CHECK(i == expected.size());
  }
}

TEST_CASE("fixture covers every run status, sector and verdict value", "[storage][fixture]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());

  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 4);
  CHECK((*runs)[0].status == RunStatus::Finished);
  CHECK((*runs)[3].status == RunStatus::Aborted);
  CHECK((*runs)[0].started_at == "2026-09-01T02:00:00Z");
  CHECK((*runs)[2].finished_at == std::optional<std::string>("2026-11-01T02:07:31Z"));
  CHECK((*runs)[2].domains_done == 25);
  CHECK((*runs)[0].domains_done == 24);
  CHECK((*runs)[3].domains_done == 12);

  auto latest = reader->resolve_run("latest");
  REQUIRE(latest.has_value());
  CHECK(latest->id == info->finished_runs.back());

  sqlite3* h = reader->handle();
  std::string run3 = std::to_string(info->finished_runs.back());
  auto values = [&](const char* column) {
    return query_strings(h, std::string("SELECT DISTINCT ") + column +
                                " FROM domain_results WHERE run_id = " + run3);
  };
  CHECK(values("mail") == std::set<std::string>{"receives", "null_mx", "no_mail", "error"});
  CHECK(values("dnssec") == std::set<std::string>{"secure", "insecure", "bogus", "error", "n/a"});
  CHECK(values("starttls") ==
        std::set<std::string>{"all", "partial", "none", "unreachable", "n/a"});
  CHECK(values("dane") ==
        std::set<std::string>{"valid", "invalid", "partial", "untested", "none", "n/a"});
  CHECK(values("dane_rollover") == std::set<std::string>{"yes", "no", "n/a"});
  CHECK(values("protected") == std::set<std::string>{"0", "1"});
  CHECK(values("tls_quality") == std::set<std::string>{"good", "sufficient", "phase_out",
                                                       "insufficient", "incomplete", "n/a"});
  // Every item value, and assessed addresses with their items in v_tls_items.
  CHECK(query_strings(h, "SELECT DISTINCT value FROM v_tls_items WHERE run = " + run3).size() == 6);
  CHECK(query_strings(h, "SELECT DISTINCT state FROM v_tls_items WHERE run = " + run3).size() == 3);
  CHECK(query_int(h, ("SELECT count(*) FROM probes WHERE tls IS NULL AND outcome = 'starttls_ok' "
                      "AND run_id = " +
                      run3)
                         .c_str()) > 0);
  CHECK(values("sector") ==
        std::set<std::string>{"rijk", "provincie", "gemeente", "waterschap", "overig"});
  // Every ProbeOutcome and DaneFailReason of measurement.hpp (13 and 6 + none).
  CHECK(query_strings(h, "SELECT DISTINCT outcome FROM probes WHERE run_id = " + run3).size() ==
        13);
  CHECK(query_strings(h, "SELECT DISTINCT dane_reason FROM probes WHERE run_id = " + run3).size() ==
        7);
  CHECK(query_int(
            h, ("SELECT count(*) FROM domain_results WHERE incomplete <> '[]' AND run_id = " + run3)
                   .c_str()) == 1);
  CHECK(query_int(
            h, ("SELECT count(*) FROM domain_results WHERE unmeasured <> '[]' AND run_id = " + run3)
                   .c_str()) == 2);
  CHECK(query_int(h, "SELECT count(*) FROM dns_answers WHERE attempts > 1") > 0);
  CHECK_FALSE((*runs)[0].routes.has_value());
  CHECK((*runs)[2].routes == std::optional<RouteCheck>(RouteCheck{true, false}));
  CHECK(query_strings(h, "SELECT DISTINCT status FROM mx_hosts WHERE run_id = " + run3).size() ==
        4);
  CHECK(query_strings(h, "SELECT DISTINCT pkix FROM probes WHERE run_id = " + run3).size() == 3);
  CHECK(query_strings(h, "SELECT DISTINCT class FROM dns_answers").size() == 5);
}

TEST_CASE("shared MX hosts and probes are stored once per run", "[storage][dedup]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  sqlite3* h = reader->handle();
  // mail.provider-a.nl serves three domains in the last run (dane-valid, dane-valid-insecure-mx,
  // dane-partial): one host row, two probe rows (IPv4 and IPv6).
  std::string run3 = std::to_string(info->finished_runs.back());
  CHECK(query_int(h, ("SELECT count(*) FROM mx_hosts WHERE name = 'mail.provider-a.nl' AND "
                      "run_id = " +
                      run3)
                         .c_str()) == 1);
  CHECK(query_int(h, ("SELECT count(*) FROM probes WHERE host = 'mail.provider-a.nl' AND "
                      "run_id = " +
                      run3)
                         .c_str()) == 2);
  CHECK(query_int(h, ("SELECT count(*) FROM domain_mx m JOIN mx_hosts x ON x.id = m.mx_host_id "
                      "WHERE x.name = 'mail.provider-a.nl' AND x.run_id = " +
                      run3)
                         .c_str()) == 3);
  // (run, host, ip) is unique whenever the evidence is equal.
  CHECK(query_int(h,
                  "SELECT count(*) FROM (SELECT run_id, host, ip FROM probes GROUP BY 1, 2, 3 "
                  "HAVING count(*) > 1)") == 0);
}

TEST_CASE("writer with a domain submitted twice stores it once", "[storage][writer]") {
  test::TempDir dir;
  auto db = dir.file("w.db");
  auto results = testing::fixture_results(2);
  RunStart start;
  start.label = "t";
  start.domain_total = 3;
  auto w = RunWriter::begin(db, start);
  REQUIRE(w.has_value());
  (*w)->submit(results[0]);
  (*w)->submit(results[1]);
  REQUIRE((*w)->flush().has_value());
  (*w)->submit(results[0]);
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  CHECK((*w)->written() == 2);
  CHECK((*w)->duplicates() == 1);
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto run = reader->resolve_run("latest");
  REQUIRE(run.has_value());
  CHECK(run->domains_done == 2);
  CHECK(run->label == "t");
}

TEST_CASE("§5 mail standards: verdicts and evidence read back; v_mail_standards shows them",
          "[storage][roundtrip][mailstd]") {
  test::TempDir dir;
  auto db = dir.file("m.db");
  auto results = testing::fixture_results(2);
  REQUIRE(results.size() >= 2);
  DomainResult& r = results[0];
  auto txt = [](std::string q, std::vector<std::string> recs, DnsClass cls = DnsClass::Secure) {
    DnsAnswer a;
    a.qname = std::move(q);
    a.qtype = 16;
    a.cls = cls;
    a.reason = recs.empty() ? DnsReason::NxDomain : DnsReason::Ok;
    a.rcode = recs.empty() ? 3 : 0;
    a.records = std::move(recs);
    a.canonical_name = a.qname;
    a.attempts = 2;
    return a;
  };
  auto& ms = r.mail_standards;
  ms.measured = true;
  ms.spf_txt = txt(r.entry.domain, {"v=spf1 include:spf.provider.test ~all", "other"});
  ms.spf_lookups = {txt("spf.provider.test", {"v=spf1 ip4:192.0.2.0/24 -all"})};
  ms.dmarc_txt = txt("_dmarc." + r.entry.domain, {}, DnsClass::InsecureNx);
  ms.dmarc_org_txt = txt("_dmarc.org.test", {"v=DMARC1; p=reject; sp=quarantine; pct=50"});
  ms.dkim = txt("_domainkey." + r.entry.domain, {}, DnsClass::SecureNx);
  ms.tls_rpt_txt = txt("_smtp._tls." + r.entry.domain, {"v=TLSRPTv1; rua=mailto:r@x.test"});
  verdict::finalize(r);  // fills the verdicts and the derived evidence
  REQUIRE(r.verdict.spf == SpfVerdict::Valid);
  REQUIRE(r.verdict.spf_policy == SpfPolicy::Soft);
  REQUIRE(r.verdict.dmarc_policy == DmarcPolicy::Quarantine);
  // The fixture measures §5 for every domain (bfae324); the second domain stands for a result
  // without them (a run with the standards off, or from before schema 6).
  results[1].mail_standards = MailStandardsEvidence{};
  verdict::finalize(results[1]);
  REQUIRE_FALSE(results[1].mail_standards.measured);

  auto w = RunWriter::begin(db, RunStart{});
  REQUIRE(w.has_value());
  (*w)->submit(results[0]);
  (*w)->submit(results[1]);  // not measured: NULL columns
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto back = reader->domain((*w)->run_id(), r.entry.domain);
  REQUIRE(back.has_value());
  REQUIRE(back->has_value());
  const DomainResult& b = **back;
  CHECK(b.verdict.spf == r.verdict.spf);
  CHECK(b.verdict.spf_policy == r.verdict.spf_policy);
  CHECK(b.verdict.dmarc == r.verdict.dmarc);
  CHECK(b.verdict.dmarc_policy == r.verdict.dmarc_policy);
  CHECK(b.verdict.dkim == r.verdict.dkim);
  CHECK(b.verdict.tls_rpt == r.verdict.tls_rpt);
  const auto& bm = b.mail_standards;
  CHECK(bm.measured);
  test::compare(bm.spf_txt, ms.spf_txt);
  REQUIRE(bm.spf_lookups.size() == 1);
  test::compare(bm.spf_lookups[0], ms.spf_lookups[0]);
  test::compare(bm.dmarc_txt, ms.dmarc_txt);
  REQUIRE(bm.dmarc_org_txt);
  test::compare(*bm.dmarc_org_txt, *ms.dmarc_org_txt);
  test::compare(bm.dkim, ms.dkim);
  test::compare(bm.tls_rpt_txt, ms.tls_rpt_txt);
  CHECK(bm.spf_record == ms.spf_record);
  CHECK(bm.spf_trace == ms.spf_trace);
  CHECK(bm.spf_dns_terms == 1);
  CHECK(bm.spf_result == "softfail");
  CHECK(bm.dmarc_record == ms.dmarc_record);
  CHECK(bm.dmarc_from_org);
  CHECK(bm.dmarc_pct == 50);
  CHECK(bm.dmarc_sp == "quarantine");
  CHECK(bm.org_domain == ms.org_domain);
  CHECK(bm.tls_rpt_record == ms.tls_rpt_record);

  auto other = reader->domain((*w)->run_id(), results[1].entry.domain);
  REQUIRE(other.has_value());
  REQUIRE(other->has_value());
  CHECK_FALSE((*other)->mail_standards.measured);

  std::map<std::string, bool> measured;
  REQUIRE(reader
              ->for_each_verdict((*w)->run_id(),
                                 [&](const VerdictRow& v) {
                                   measured[v.domain] = v.mail_standards_measured;
                                   if (v.mail_standards_measured)
                                     CHECK(v.verdict.dmarc_policy == DmarcPolicy::Quarantine);
                                 })
              .has_value());
  CHECK(measured[r.entry.domain]);
  CHECK_FALSE(measured[results[1].entry.domain]);

  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  CHECK(query_strings(raw,
                      "SELECT spf_policy || ' ' || dmarc_sp || ' ' || dmarc_pct || ' ' || "
                      "dmarc_from_org || ' ' || spf_record FROM v_mail_standards") ==
        std::set<std::string>{"soft quarantine 50 1 v=spf1 include:spf.provider.test ~all"});
  CHECK(query_int(raw, "SELECT count(*) FROM v_latest_verdict WHERE tls_rpt = 'valid'") == 1);
  sqlite3_close(raw);
}
