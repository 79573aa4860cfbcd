// verdict.hpp — the domain verdicts of measurement.md §3, decided from a DomainResult whose
// DNS evidence (mx_lookup, hosts, TLSA) and probes are complete.
//
// Called by the scan pipeline once every probe of a domain has finished, and by tests with
// hand-built results. Pure functions: no I/O, no state. The rules, in measurement.md's words:
//   mail     from the MX answer (fail → error, NXDOMAIN → no_mail, "." → null_mx, NODATA →
//            implicit MX, no address either → no_mail);
//   dnssec   class of the MX answer (implicit MX: of the A/AAAA answers); bogus kept apart;
//            n/a when the MX lookup failed only through transport (timeout);
//   starttls over REACHED addresses (the server got past its greeting: EHLO was answered):
//            all / partial / none, unreachable when none was reached — a 4xx/5xx greeting,
//            refusal, reset or timeout says nothing about STARTTLS;
//   dane     n/a → invalid → none → partial → untested → valid, in that order;
//   rollover every host with usable TLSA has ≥ 2 usage-3 records or usage 3 + usage 2;
//   protected = dnssec secure and dane valid (an insecure MX RRset never counts as protected).
#pragma once

#include <nulmeting/domains/measurement.hpp>

namespace nulmeting::scanner {

// True when the probe had an SMTP conversation with the address (it counts for `starttls`).
bool address_reached(const ProbeResult&);

// True when the host has a secure TLSA RRset with at least one usable record: DANE applies.
bool host_has_usable_tlsa(const MxHostResult&);

MailVerdict decide_mail(const DomainResult&);
DnssecVerdict decide_dnssec(const DomainResult&, MailVerdict);
StarttlsVerdict decide_starttls(const DomainResult&, MailVerdict);
DaneVerdict decide_dane(const DomainResult&, MailVerdict);
RolloverVerdict decide_rollover(const DomainResult&, MailVerdict);

// All of the above, in order.
DomainVerdict decide_domain(const DomainResult&);

}  // namespace nulmeting::scanner
