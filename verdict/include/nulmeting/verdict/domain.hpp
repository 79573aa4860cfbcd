// domain.hpp — the domain verdicts of measurement.md §3, from a DomainResult whose evidence
// (MX answer, hosts with their A/AAAA/TLSA answers, probes) is complete.
//
// Called by the scan pipeline once every probe of a domain has finished (finalize()), by
// `check`, by the reports and by every test fixture; nothing else derives a verdict.
//   mail      from the MX answer (mx_plan, dns.hpp); implicit MX with no A/AAAA either → no_mail;
//   dnssec    class of the MX answer; implicit MX: weakest class of the A/AAAA answers that gave
//             data (a failure of one family is a finding, not the class); bogus kept apart;
//             n/a only with mail = error through a transport failure (timeout);
//   starttls  over reached addresses: all / partial / none, unreachable when none was reached;
//   dane      n/a → invalid → none → partial → untested → valid, in that order, over counted
//             hosts, with the final per-address DANE values (address.hpp);
//   rollover  every host with usable TLSA has ≥ 2 usable usage-3 records or usage 3 + usage 2;
//   protected dnssec secure and dane valid;
//   tls_quality over the starttls_ok addresses: the worst address value (tls_quality.hpp, with
//             worse(): a known insufficient address wins over an incomplete one); a starttls_ok
//             address without an assessment counts as incomplete; n/a when none completed
//             STARTTLS (or no mail).
// Addresses whose outcome is not measured (no_route, internal_error) are left out of every
// verdict; the families lost to no_route are `incomplete`.
// Pure functions (finalize() writes only into the result it is given), any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <string>
#include <vector>

namespace nulmeting::verdict {

MailVerdict decide_mail(const DomainResult&);
DnssecVerdict decide_dnssec(const DomainResult&, MailVerdict);
StarttlsVerdict decide_starttls(const DomainResult&, MailVerdict);
DaneVerdict decide_dane(const DomainResult&, MailVerdict);
RolloverVerdict decide_rollover(const DomainResult&, MailVerdict);
bool decide_protected(DnssecVerdict, DaneVerdict);
TlsQuality decide_tls_quality(const DomainResult&, MailVerdict);
// "ipv4" / "ipv6" (in that order) when some address of that family had outcome no_route.
std::vector<std::string> decide_incomplete(const DomainResult&);

// All verdicts, in order.
DomainVerdict decide_domain(const DomainResult&);

// Writes the decisions into `r`: every address's final DANE value (dane, dane_reason; the
// depth and matched record are kept only for an authenticated or handshake-failed address),
// every address's graded TLS assessment (item values, quality), the verdicts, and
// `incomplete`. Idempotent.
void finalize(DomainResult& r);

}  // namespace nulmeting::verdict
