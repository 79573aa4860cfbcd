// libFuzzer target: the SPF record parser and the evaluation state machine
// (verdict/mail_standards.hpp), plus the DMARC and TLS-RPT parsers on the same bytes.
// Invariants: no crash/UB; a record that parses has only known terms, at most one redirect
// and exp; the evaluation of a parsed record over a zone that answers every question with the
// same record ends within the term limit (include loops included) with a final result.
#include <nulmeting/verdict/mail_standards.hpp>

#include <cstdlib>
#include <string>

using namespace nulmeting;
using namespace nulmeting::verdict;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)parse_dmarc(text);
  (void)tls_rpt_error(text);
  const SpfParse p = parse_spf(text);
  if (p.record) {
    if (p.record->redirect && p.record->terms[*p.record->redirect].kind != SpfTermKind::Redirect)
      std::abort();
    if (p.record->exp && p.record->terms[*p.record->exp].kind != SpfTermKind::Exp) std::abort();
  } else if (p.error.empty()) {
    std::abort();
  }
  // Evaluate: every TXT question gets this text as its one record; A and MX get an address.
  SpfEvaluation ev("d.test");
  int questions = 0;
  while (!ev.done()) {
    if (++questions > 2 * SpfEvaluation::kMaxDnsTerms + 2) std::abort();
    const SpfQuestion q = *ev.question();
    DnsAnswer a;
    a.qname = q.name;
    a.qtype = q.qtype;
    a.cls = DnsClass::Insecure;
    a.reason = DnsReason::Ok;
    a.records = {q.qtype == 16 ? text : (q.qtype == 15 ? "10 mx.d.test." : "192.0.2.1")};
    ev.answer(a);
  }
  if (ev.dns_terms() > SpfEvaluation::kMaxDnsTerms + 1) std::abort();
  return 0;
}
