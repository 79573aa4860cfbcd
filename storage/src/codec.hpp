// codec.hpp — internal: JSON forms of the list-valued columns and the content hashes that let
// the writer store a shared MX host or probe once. Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/storage/database.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting::storage::detail {

std::string strings_to_json(const std::vector<std::string>& v);
std::vector<std::string> strings_from_json(std::string_view text);

std::string tags_to_json(const std::vector<std::pair<std::string, std::string>>& tags);
std::vector<std::pair<std::string, std::string>> tags_from_json(std::string_view text);

std::string chain_to_json(const std::vector<CertSummary>& chain);
std::vector<CertSummary> chain_from_json(std::string_view text);

// runs.routes: {"ipv4":true,"ipv6":false}.
// MTA-STS evidence: DNS answers as JSON objects (the mta_sts table's txt / host_lookups).
std::string answer_to_json(const DnsAnswer& a);
DnsAnswer answer_from_json(std::string_view text);
std::string answers_to_json(const std::vector<DnsAnswer>& v);
std::vector<DnsAnswer> answers_from_json(std::string_view text);

std::string routes_to_json(const storage::RouteCheck& r);
storage::RouteCheck routes_from_json(std::string_view text);

// probes.tls: the assessment's evidence besides its items (tls_items rows) and values:
// {"versions_accepted":[...],"preferred_suite":"","dh_group":"","client_renegotiation":null,
//  "connections":0,"unknown_reasons":[...]}. tls_from_json fills those fields of `into`.
std::string tls_to_json(const TlsAssessment& t);
void tls_from_json(std::string_view text, TlsAssessment& into);
// domain_results.mail_standards: the §5 evidence (every TXT answer read, the SPF trace and
// counts, the DMARC/TLS-RPT records and reasons). from_json throws on a malformed document.
std::string mail_standards_to_json(const MailStandardsEvidence& ev);
MailStandardsEvidence mail_standards_from_json(std::string_view text);

// FNV-1a 64 of a canonical serialisation; stable across processes and builds.
std::int64_t probe_hash(const ProbeResult& p);
// Covers everything of the host except preference (per domain), with the probes by their hash.
std::int64_t host_hash(const MxHostResult& h, const std::vector<std::int64_t>& probe_hashes);

}  // namespace nulmeting::storage::detail
