// mail_standards.hpp — the DNS half of measurement.md §5 for one domain: the TXT questions of
// SPF, DMARC, DKIM and TLS-RPT, on the loop, through the DnsClient (same answer classes,
// confirmation of failures, DNSSEC status) as every other question.
//
// Who calls it: DomainResolver (resolve.cpp), for every domain of the run beside its MX
// question, so that null-MX, no-mail and error domains have them too. Four strands run at
// once: SPF (the verdict module's SpfEvaluation says which question comes next: TXT at D,
// then include/redirect TXT, a/exists A, mx MX, one at a time, at most 1 + 10 questions),
// `_dmarc.D` then, when verdict::dmarc_org_question() says so, `_dmarc.<org domain>`,
// `_domainkey.D`, `_smtp._tls.D`. The callback gets the evidence once all four are done;
// verdict::finalize() decides the verdicts from it.
// Lifetime: callbacks hold `alive` weakly and do nothing once it has expired (like the
// resolvers); DnsClient::close() answers every outstanding question, so the callback runs.
// Threading: loop thread only.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/dns_client.hpp>

#include <functional>
#include <memory>
#include <string>

namespace nulmeting::scanner {

using MailStandardsCallback = std::function<void(MailStandardsEvidence)>;

// `domain`: A-label, no trailing dot.
void look_up_mail_standards(DnsClient& dns, const std::string& domain, std::weak_ptr<int> alive,
                            MailStandardsCallback cb);

}  // namespace nulmeting::scanner
