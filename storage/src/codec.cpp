// codec.cpp — JSON column forms and content hashes (see codec.hpp).
#include "codec.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>

namespace nulmeting::storage::detail {
namespace {

using nlohmann::json;

// Length-prefixed fields, so that ("ab","c") and ("a","bc") hash differently.
class Hasher {
 public:
  Hasher& add(std::string_view s) {
    add_raw(std::to_string(s.size()));
    add_raw(":");
    add_raw(s);
    return *this;
  }
  Hasher& add(std::int64_t v) { return add(std::string_view(std::to_string(v))); }
  Hasher& add(double v) {
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%.17g", v);
    return add(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  Hasher& add(const std::vector<std::string>& v) {
    add(static_cast<std::int64_t>(v.size()));
    for (const auto& s : v) add(s);
    return *this;
  }
  Hasher& add(const std::vector<std::uint8_t>& v) {
    return add(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
  }
  Hasher& add(const DnsAnswer& a) {
    add(a.qname)
        .add(std::int64_t{a.qtype})
        .add(to_string(a.cls))
        .add(to_string(a.reason))
        .add(std::int64_t{a.rcode})
        .add(a.why_bogus)
        .add(a.records)
        .add(a.cname_chain)
        .add(a.canonical_name);
    // Only when not 1, so that a host measured by an older nulmeting (no attempts column)
    // keeps its identity when its run is resumed.
    if (a.attempts != 1) add("attempts").add(std::int64_t{a.attempts});
    return *this;
  }
  std::int64_t value() const { return static_cast<std::int64_t>(h_); }

 private:
  void add_raw(std::string_view s) {
    for (char c : s) {
      h_ ^= static_cast<std::uint8_t>(c);
      h_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string strings_to_json(const std::vector<std::string>& v) { return json(v).dump(); }

std::vector<std::string> strings_from_json(std::string_view text) {
  return json::parse(text).get<std::vector<std::string>>();
}

std::string tags_to_json(const std::vector<std::pair<std::string, std::string>>& tags) {
  json a = json::array();
  for (const auto& [k, v] : tags) a.push_back(json::array({k, v}));
  return a.dump();
}

std::vector<std::pair<std::string, std::string>> tags_from_json(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : json::parse(text))
    out.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
  return out;
}

std::string chain_to_json(const std::vector<CertSummary>& chain) {
  json a = json::array();
  for (const auto& c : chain)
    a.push_back({{"subject", c.subject},
                 {"issuer", c.issuer},
                 {"sans", c.sans},
                 {"not_before", c.not_before},
                 {"not_after", c.not_after},
                 {"key_type", c.key_type},
                 {"key_bits", c.key_bits},
                 {"signature_algorithm", c.signature_algorithm},
                 {"sha256", c.sha256}});
  return a.dump();
}

std::vector<CertSummary> chain_from_json(std::string_view text) {
  std::vector<CertSummary> out;
  for (const auto& j : json::parse(text)) {
    CertSummary c;
    c.subject = j.at("subject").get<std::string>();
    c.issuer = j.at("issuer").get<std::string>();
    c.sans = j.at("sans").get<std::vector<std::string>>();
    c.not_before = j.at("not_before").get<std::string>();
    c.not_after = j.at("not_after").get<std::string>();
    c.key_type = j.at("key_type").get<std::string>();
    c.key_bits = j.at("key_bits").get<int>();
    c.signature_algorithm = j.at("signature_algorithm").get<std::string>();
    c.sha256 = j.at("sha256").get<std::string>();
    out.push_back(std::move(c));
  }
  return out;
}

std::string tls_to_json(const TlsAssessment& t) {
  return json{{"versions_accepted", t.versions_accepted},
              {"preferred_suite", t.preferred_suite},
              {"dh_group", t.dh_group},
              {"client_renegotiation",
               t.client_renegotiation ? json(*t.client_renegotiation) : json(nullptr)},
              {"connections", t.connections},
              {"unknown_reasons", t.unknown_reasons}}
      .dump();
}

void tls_from_json(std::string_view text, TlsAssessment& into) {
  auto j = json::parse(text);
  into.versions_accepted = j.at("versions_accepted").get<std::vector<std::string>>();
  into.preferred_suite = j.at("preferred_suite").get<std::string>();
  into.dh_group = j.at("dh_group").get<std::string>();
  const auto& reneg = j.at("client_renegotiation");
  into.client_renegotiation =
      reneg.is_null() ? std::nullopt : std::optional<bool>(reneg.get<bool>());
  into.connections = j.at("connections").get<int>();
  into.unknown_reasons = j.at("unknown_reasons").get<std::vector<std::string>>();
}

namespace {
json answer_json(const DnsAnswer& a) {
  return json{{"qname", a.qname},
              {"qtype", a.qtype},
              {"class", to_string(a.cls)},
              {"reason", to_string(a.reason)},
              {"rcode", a.rcode},
              {"why_bogus", a.why_bogus},
              {"records", a.records},
              {"cname_chain", a.cname_chain},
              {"canonical_name", a.canonical_name},
              {"attempts", a.attempts}};
}
template <class E>
E enum_at(const json& j, const char* key) {
  const auto v = parse_enum<E>(j.at(key).get<std::string>());
  if (!v) throw std::runtime_error(std::string("bad value of ") + key);
  return *v;
}
DnsAnswer answer_of(const json& j) {
  DnsAnswer a;
  a.qname = j.at("qname").get<std::string>();
  a.qtype = j.at("qtype").get<std::uint16_t>();
  a.cls = enum_at<DnsClass>(j, "class");
  a.reason = enum_at<DnsReason>(j, "reason");
  a.rcode = j.at("rcode").get<int>();
  a.why_bogus = j.at("why_bogus").get<std::string>();
  a.records = j.at("records").get<std::vector<std::string>>();
  a.cname_chain = j.at("cname_chain").get<std::vector<std::string>>();
  a.canonical_name = j.at("canonical_name").get<std::string>();
  a.attempts = j.at("attempts").get<int>();
  return a;
}
}  // namespace

std::string answer_to_json(const DnsAnswer& a) { return answer_json(a).dump(); }
DnsAnswer answer_from_json(std::string_view text) { return answer_of(json::parse(text)); }
std::string answers_to_json(const std::vector<DnsAnswer>& v) {
  json a = json::array();
  for (const auto& x : v) a.push_back(answer_json(x));
  return a.dump();
}
std::vector<DnsAnswer> answers_from_json(std::string_view text) {
  std::vector<DnsAnswer> out;
  for (const auto& j : json::parse(text)) out.push_back(answer_of(j));
  return out;
}

std::string mail_standards_to_json(const MailStandardsEvidence& ev) {
  json lookups = json::array();
  for (const auto& a : ev.spf_lookups) lookups.push_back(answer_json(a));
  json j{
      {"spf_txt", answer_json(ev.spf_txt)},
      {"spf_lookups", std::move(lookups)},
      {"spf_record", ev.spf_record},
      {"spf_trace", ev.spf_trace},
      {"spf_dns_terms", ev.spf_dns_terms},
      {"spf_void_lookups", ev.spf_void_lookups},
      {"spf_result", ev.spf_result},
      {"spf_reason", ev.spf_reason},
      {"dmarc_txt", answer_json(ev.dmarc_txt)},
      {"dmarc_org_txt", ev.dmarc_org_txt ? answer_json(*ev.dmarc_org_txt) : json(nullptr)},
      {"org_domain", ev.org_domain},
      {"dmarc_record", ev.dmarc_record},
      {"dmarc_from_org", ev.dmarc_from_org},
      {"dmarc_pct", ev.dmarc_pct ? json(*ev.dmarc_pct) : json(nullptr)},
      {"dmarc_p", ev.dmarc_p},
      {"dmarc_sp", ev.dmarc_sp},
      {"dmarc_rua", ev.dmarc_rua},
      {"dmarc_reason", ev.dmarc_reason},
      {"dkim", answer_json(ev.dkim)},
      {"tls_rpt_txt", answer_json(ev.tls_rpt_txt)},
      {"tls_rpt_record", ev.tls_rpt_record},
      {"tls_rpt_reason", ev.tls_rpt_reason},
  };
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

MailStandardsEvidence mail_standards_from_json(std::string_view text) {
  const json j = json::parse(text);
  MailStandardsEvidence ev;
  ev.measured = true;
  ev.spf_txt = answer_of(j.at("spf_txt"));
  for (const auto& a : j.at("spf_lookups")) ev.spf_lookups.push_back(answer_of(a));
  ev.spf_record = j.at("spf_record").get<std::string>();
  ev.spf_trace = j.at("spf_trace").get<std::vector<std::string>>();
  ev.spf_dns_terms = j.at("spf_dns_terms").get<int>();
  ev.spf_void_lookups = j.at("spf_void_lookups").get<int>();
  ev.spf_result = j.at("spf_result").get<std::string>();
  ev.spf_reason = j.at("spf_reason").get<std::string>();
  ev.dmarc_txt = answer_of(j.at("dmarc_txt"));
  if (!j.at("dmarc_org_txt").is_null()) ev.dmarc_org_txt = answer_of(j.at("dmarc_org_txt"));
  ev.org_domain = j.at("org_domain").get<std::string>();
  ev.dmarc_record = j.at("dmarc_record").get<std::string>();
  ev.dmarc_from_org = j.at("dmarc_from_org").get<bool>();
  if (!j.at("dmarc_pct").is_null()) ev.dmarc_pct = j.at("dmarc_pct").get<int>();
  ev.dmarc_p = j.at("dmarc_p").get<std::string>();
  ev.dmarc_sp = j.at("dmarc_sp").get<std::string>();
  ev.dmarc_rua = j.at("dmarc_rua").get<std::string>();
  ev.dmarc_reason = j.at("dmarc_reason").get<std::string>();
  ev.dkim = answer_of(j.at("dkim"));
  ev.tls_rpt_txt = answer_of(j.at("tls_rpt_txt"));
  ev.tls_rpt_record = j.at("tls_rpt_record").get<std::string>();
  ev.tls_rpt_reason = j.at("tls_rpt_reason").get<std::string>();
  return ev;
}

std::string routes_to_json(const storage::RouteCheck& r) {
  return json{{"ipv4", r.ipv4}, {"ipv6", r.ipv6}}.dump();
}

storage::RouteCheck routes_from_json(std::string_view text) {
  auto j = json::parse(text);
  return {j.at("ipv4").get<bool>(), j.at("ipv6").get<bool>()};
}

std::int64_t probe_hash(const ProbeResult& p) {
  Hasher h;
  h.add(p.ip)
      .add(to_string(p.outcome))
      .add(p.tls_version)
      .add(p.cipher)
      .add(p.group)
      .add(to_string(p.dane))
      .add(to_string(p.dane_reason))
      .add(std::int64_t{p.dane_depth})
      .add(p.dane_matched)
      .add(to_string(p.pkix))
      .add(p.pkix_error)
      .add(p.error ? "1" : "0")
      .add(p.error.value_or(""))
      .add(p.transcript)
      .add(static_cast<std::int64_t>(p.chain.size()));
  for (const auto& c : p.chain)
    h.add(c.subject)
        .add(c.issuer)
        .add(c.sans)
        .add(c.not_before)
        .add(c.not_after)
        .add(c.key_type)
        .add(std::int64_t{c.key_bits})
        .add(c.signature_algorithm)
        .add(c.sha256);
  h.add("chain-end").add(p.leaf_der).add(p.sni).add(std::int64_t{p.attempts}).add(p.duration_ms);
  // Only when assessed, so that a probe stored before TLS quality keeps its identity on resume.
  if (p.tls.assessed) {
    h.add("tls").add(tls_to_json(p.tls)).add(to_string(p.tls.quality));
    h.add(static_cast<std::int64_t>(p.tls.items.size()));
    for (const auto& i : p.tls.items)
      h.add(to_string(i.item)).add(to_string(i.state)).add(i.found).add(to_string(i.value));
  }
  return h.value();
}

std::int64_t host_hash(const MxHostResult& m, const std::vector<std::int64_t>& probe_hashes) {
  Hasher h;
  h.add(m.name)
      .add(m.name_is_ip_literal ? "1" : "0")
      .add(to_string(m.status))
      .add(to_string(m.address_dnssec))
      .add(static_cast<std::int64_t>(m.address_lookups.size()));
  for (const auto& a : m.address_lookups) h.add(a);
  if (m.tlsa) {
    const auto& t = *m.tlsa;
    h.add("tlsa").add(to_string(t.status)).add(t.base).add(std::int64_t{t.usable});
    h.add(static_cast<std::int64_t>(t.records.size()));
    for (const auto& r : t.records)
      h.add(std::int64_t{r.usage})
          .add(std::int64_t{r.selector})
          .add(std::int64_t{r.matching_type})
          .add(r.data)
          .add(r.usable ? "1" : "0");
    h.add(static_cast<std::int64_t>(t.lookups.size()));
    for (const auto& a : t.lookups) h.add(a);
  } else {
    h.add("no-tlsa");
  }
  h.add(static_cast<std::int64_t>(probe_hashes.size()));
  for (auto ph : probe_hashes) h.add(ph);
  return h.value();
}

}  // namespace nulmeting::storage::detail
