// export.cpp — JSONL and CSV exports and the runs table (see export.hpp).
#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/storage/export.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace nulmeting::storage {
namespace {

using ojson = nlohmann::ordered_json;

ojson text_or_null(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }

// The §4 evidence of an address; null when it was not assessed.
ojson tls_json(const TlsAssessment& t) {
  if (!t.assessed) return nullptr;
  ojson items = ojson::object();
  for (const auto& i : t.items)
    items[std::string(to_string(i.item))] = {
        {"state", to_string(i.state)}, {"value", to_string(i.value)}, {"found", i.found}};
  ojson j;
  j["items"] = std::move(items);
  j["versions_accepted"] = t.versions_accepted;
  j["preferred_suite"] = text_or_null(t.preferred_suite);
  j["dh_group"] = text_or_null(t.dh_group);
  j["client_renegotiation"] =
      t.client_renegotiation ? ojson(*t.client_renegotiation) : ojson(nullptr);
  j["connections"] = t.connections;
  j["unknown_reasons"] = t.unknown_reasons;
  return j;
}

ojson address_json(const ProbeResult& p) {
  ojson a;
  a["ip"] = p.ip;
  a["outcome"] = to_string(p.outcome);
  a["tls_version"] = text_or_null(p.tls_version);
  a["cipher"] = text_or_null(p.cipher);
  a["group"] = text_or_null(p.group);
  a["dane"] = p.dane == DaneCheck::NotApplicable ? ojson(nullptr) : ojson(to_string(p.dane));
  a["dane_reason"] =
      p.dane_reason == DaneFailReason::None ? ojson(nullptr) : ojson(to_string(p.dane_reason));
  a["dane_depth"] = p.dane_depth < 0 ? ojson(nullptr) : ojson(p.dane_depth);
  a["pkix"] = p.pkix == Pkix::NotChecked ? ojson(nullptr) : ojson(to_string(p.pkix));
  a["tls_quality"] = to_string(p.tls.quality);
  a["error"] = p.error ? ojson(*p.error) : ojson(nullptr);
  a["tls"] = tls_json(p.tls);
  return a;
}

ojson mx_json(const MxHostResult& h) {
  ojson m;
  m["name"] = h.name;
  m["preference"] = h.preference;
  m["status"] = to_string(h.status);
  m["address_dnssec"] = to_string(h.address_dnssec);
  if (h.tlsa) {
    ojson t;
    t["status"] = to_string(h.tlsa->status);
    t["base"] = text_or_null(h.tlsa->base);
    ojson records = ojson::array();
    for (const auto& r : h.tlsa->records) records.push_back(r.text());
    t["records"] = std::move(records);
    t["usable"] = h.tlsa->usable;
    m["tlsa"] = std::move(t);
  } else {
    m["tlsa"] = nullptr;
  }
  ojson addresses = ojson::array();
  for (const auto& p : h.addresses) addresses.push_back(address_json(p));
  m["addresses"] = std::move(addresses);
  return m;
}

ojson answer_json(const DnsAnswer& a) {
  ojson j;
  j["qname"] = a.qname;
  j["class"] = to_string(a.cls);
  j["reason"] = to_string(a.reason);
  j["records"] = a.records;
  return j;
}

// §5 evidence: what was read and why the verdicts are what they are (null when not measured).
ojson mail_standards_json(const MailStandardsEvidence& ev) {
  if (!ev.measured) return nullptr;
  ojson j;
  ojson spf;
  spf["txt"] = answer_json(ev.spf_txt);
  spf["record"] = text_or_null(ev.spf_record);
  spf["result"] = text_or_null(ev.spf_result);
  spf["terms"] = ev.spf_trace;
  spf["dns_terms"] = ev.spf_dns_terms;
  spf["void_lookups"] = ev.spf_void_lookups;
  spf["reason"] = text_or_null(ev.spf_reason);
  j["spf"] = std::move(spf);
  ojson dmarc;
  dmarc["txt"] = answer_json(ev.dmarc_txt);
  dmarc["org_domain"] = text_or_null(ev.org_domain);
  dmarc["org_txt"] = ev.dmarc_org_txt ? answer_json(*ev.dmarc_org_txt) : ojson(nullptr);
  dmarc["record"] = text_or_null(ev.dmarc_record);
  dmarc["from_org_domain"] = ev.dmarc_from_org;
  dmarc["p"] = text_or_null(ev.dmarc_p);
  dmarc["sp"] = text_or_null(ev.dmarc_sp);
  dmarc["pct"] = ev.dmarc_pct ? ojson(*ev.dmarc_pct) : ojson(nullptr);
  dmarc["rua"] = text_or_null(ev.dmarc_rua);
  dmarc["reason"] = text_or_null(ev.dmarc_reason);
  j["dmarc"] = std::move(dmarc);
  j["dkim"] = answer_json(ev.dkim);
  ojson rpt;
  rpt["txt"] = answer_json(ev.tls_rpt_txt);
  rpt["record"] = text_or_null(ev.tls_rpt_record);
  rpt["reason"] = text_or_null(ev.tls_rpt_reason);
  j["tls_rpt"] = std::move(rpt);
  return j;
}

template <class E>
ojson measured_or_null(const DomainResult& r, E e) {
  return r.mail_standards.measured ? ojson(to_string(e)) : ojson(nullptr);
}
template <class E>
std::string measured_or_empty(const DomainResult& r, E e) {
  return r.mail_standards.measured ? std::string(to_string(e)) : std::string();
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out += sep;
    out += v[i];
  }
  return out;
}

// §5 MTA-STS evidence; null when it was not looked up (mail is not `receives`).
ojson mta_sts_json(const MtaStsEvidence& m) {
  if (!m.looked_up) return nullptr;
  ojson j;
  j["reason"] = text_or_null(m.reason);
  j["txt_class"] = to_string(m.txt.cls);
  j["txt_records"] = m.txt.records;
  j["id"] = text_or_null(m.id);
  j["fetch"] = to_string(m.fetch);
  j["ip"] = text_or_null(m.ip);
  j["http_status"] = m.http_status == 0 ? ojson(nullptr) : ojson(m.http_status);
  j["content_type"] = text_or_null(m.content_type);
  j["fetch_error"] = text_or_null(m.fetch_error);
  j["mode"] = text_or_null(m.mode);
  j["max_age"] = m.max_age ? ojson(*m.max_age) : ojson(nullptr);
  j["mx_patterns"] = m.mx_patterns;
  j["mx_not_matching"] = m.mx_not_matching;
  j["policy"] = text_or_null(m.policy_text);
  return j;
}

}  // namespace

ojson domain_json(std::int64_t run_id, const DomainResult& r) {
  ojson j;
  j["run"] = run_id;
  j["domain"] = r.entry.domain;
  j["organization"] = text_or_null(r.entry.organization);
  j["sector"] = to_string(r.entry.sector);
  j["mail"] = to_string(r.verdict.mail);
  j["dnssec"] = to_string(r.verdict.dnssec);
  j["starttls"] = to_string(r.verdict.starttls);
  j["tls_quality"] = to_string(r.verdict.tls_quality);
  j["dane"] = to_string(r.verdict.dane);
  j["dane_rollover"] = to_string(r.verdict.dane_rollover);
  j["protected"] = r.verdict.protected_;
  j["incomplete"] = r.incomplete;
  j["unmeasured"] = r.unmeasured;
  j["mta_sts"] = to_string(r.verdict.mta_sts);
  j["mta_sts_evidence"] = mta_sts_json(r.mta_sts);
  // §5 (null for a run from before they were measured)
  j["spf"] = measured_or_null(r, r.verdict.spf);
  j["spf_policy"] = measured_or_null(r, r.verdict.spf_policy);
  j["dmarc"] = measured_or_null(r, r.verdict.dmarc);
  j["dmarc_policy"] = measured_or_null(r, r.verdict.dmarc_policy);
  j["dkim"] = measured_or_null(r, r.verdict.dkim);
  j["tls_rpt"] = measured_or_null(r, r.verdict.tls_rpt);
  j["mail_standards"] = mail_standards_json(r.mail_standards);
  ojson mx = ojson::array();
  for (const auto& h : r.mx) mx.push_back(mx_json(h));
  j["mx"] = std::move(mx);
  return j;
}

std::expected<std::int64_t, StorageError> export_jsonl(Reader& reader, std::int64_t run_id,
                                                       std::ostream& out) {
  auto n = reader.for_each_domain(run_id, [&](const DomainResult& r) {
    out << domain_json(run_id, r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
    return static_cast<bool>(out);
  });
  if (n && !out)
    return std::unexpected(StorageError{StorageError::Kind::Io, "write error on the output"});
  return n;
}

std::expected<std::int64_t, StorageError> export_csv(Reader& reader, std::int64_t run_id,
                                                     std::ostream& out) {
  out << csv::record(std::vector<std::string>(kCsvColumns.begin(), kCsvColumns.end()));
  auto n = reader.for_each_domain(run_id, [&](const DomainResult& r) {
    std::vector<std::string> names;
    for (const auto& h : r.mx) names.push_back(h.name);
    const std::array<std::string, kCsvColumns.size()> fields{
        std::to_string(run_id),
        r.entry.domain,
        r.entry.display,
        r.entry.organization,
        std::string(to_string(r.entry.sector)),
        std::string(to_string(r.verdict.mail)),
        std::string(to_string(r.verdict.dnssec)),
        std::string(to_string(r.verdict.starttls)),
        std::string(to_string(r.verdict.dane)),
        std::string(to_string(r.verdict.dane_rollover)),
        r.verdict.protected_ ? "true" : "false",
        r.implicit_mx ? "true" : "false",
        std::to_string(r.mx.size()),
        join(names, " "),
        join(r.findings, " | "),
        join(r.incomplete, " "),
        join(r.unmeasured, " | "),
        std::string(to_string(r.verdict.tls_quality)),
        std::string(to_string(r.verdict.mta_sts)),
        measured_or_empty(r, r.verdict.spf),
        measured_or_empty(r, r.verdict.spf_policy),
        measured_or_empty(r, r.verdict.dmarc),
        measured_or_empty(r, r.verdict.dmarc_policy),
        measured_or_empty(r, r.verdict.dkim),
        measured_or_empty(r, r.verdict.tls_rpt),
    };
    out << csv::record(fields);
    return static_cast<bool>(out);
  });
  if (n && !out)
    return std::unexpected(StorageError{StorageError::Kind::Io, "write error on the output"});
  return n;
}

std::string format_runs_table(const std::vector<RunInfo>& runs) {
  std::size_t label_w = 5;
  for (const auto& r : runs) label_w = std::max(label_w, r.label.size());
  std::string out = fmt::format("{:>4}  {:<{}}  {:<20}  {:<20}  {:<8}  {}\n", "ID", "LABEL",
                                label_w, "STARTED", "FINISHED", "STATUS", "DONE/TOTAL");
  for (const auto& r : runs)
    out += fmt::format("{:>4}  {:<{}}  {:<20}  {:<20}  {:<8}  {}/{}\n", r.id,
                       r.label.empty() ? "-" : r.label, label_w, r.started_at,
                       r.finished_at.value_or("-"), to_string(r.status), r.domains_done,
                       r.domain_total);
  return out;
}

}  // namespace nulmeting::storage
