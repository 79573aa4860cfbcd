// dns_classify.cpp — the decision table of measurement.md §1 for one libunbound result.
#include <nulmeting/scanner/dns_classify.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <span>

namespace nulmeting::scanner {
namespace {

constexpr int kRcodeNoError = 0;
constexpr int kRcodeServFail = 2;
constexpr int kRcodeNxDomain = 3;
constexpr int kRcodeRefused = 5;

// Strings from the network are capped and made printable before they enter a DnsAnswer.
std::string sanitize(const char* s, std::size_t cap = 512) {
  std::string out;
  if (s == nullptr) return out;
  for (std::size_t i = 0; s[i] != '\0' && out.size() < cap; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return out;
}

DnsAnswer base(std::string_view qname, std::uint16_t qtype) {
  DnsAnswer a;
  a.qname = normalize_name(qname);
  a.qtype = qtype;
  a.canonical_name = a.qname;
  return a;
}

DnsAnswer fail(DnsAnswer a, DnsReason reason) {
  a.cls = DnsClass::Fail;
  a.reason = reason;
  return a;
}

}  // namespace

DnsAnswer timeout_answer(std::string_view qname, std::uint16_t qtype) {
  return fail(base(qname, qtype), DnsReason::Timeout);
}

DnsAnswer error_answer(std::string_view qname, std::uint16_t qtype, std::string_view why) {
  auto a = fail(base(qname, qtype), DnsReason::Error);
  a.why_bogus = std::string(why);  // the only free-text field: carries the local error text
  return a;
}

DnsAnswer classify_result(std::string_view qname, std::uint16_t qtype, const UbAnswer& r) {
  DnsAnswer a = base(qname, qtype);
  // 1. The resolution failed (libunbound's rcode; nothing was validated, no packet to read).
  if (r.rcode != kRcodeNoError) {
    a.rcode = r.rcode;
    if (r.rcode == kRcodeServFail) return fail(std::move(a), DnsReason::ServFail);
    if (r.rcode == kRcodeRefused) return fail(std::move(a), DnsReason::Refused);
    return fail(std::move(a), DnsReason::Malformed);
  }
  if (r.packet.size() < 12) {
    a.why_bogus = r.packet.empty() ? "no answer packet" : "answer packet shorter than a header";
    return fail(std::move(a), DnsReason::Malformed);
  }
  const int rcode = r.packet[3] & 0x0F;
  a.rcode = rcode;
  // 2. Validation failure: a bogus answer may carry any rcode.
  if (r.sec == UbAnswer::Bogus) {
    a.why_bogus = sanitize(r.why_bogus.c_str());
    return fail(std::move(a), DnsReason::Bogus);
  }
  // 3. The rcode, before the records: SERVFAIL without data looks like NODATA otherwise.
  if (rcode == kRcodeServFail) return fail(std::move(a), DnsReason::ServFail);
  if (rcode == kRcodeRefused) return fail(std::move(a), DnsReason::Refused);
  if (rcode != kRcodeNoError && rcode != kRcodeNxDomain)
    return fail(std::move(a), DnsReason::Malformed);

  // 4. The packet: the CNAME chain and the records of `qtype` at its end. A packet we cannot
  // read is `fail`.
  auto parsed = parse_answer(r.packet, a.qname, qtype);
  if (!parsed) {
    a.why_bogus = parsed.error();
    return fail(std::move(a), DnsReason::Malformed);
  }
  a.cname_chain = std::move(parsed->cname_chain);
  if (parsed->chain_too_long) return fail(std::move(a), DnsReason::CnameLoop);
  a.canonical_name = std::move(parsed->canonical_name);

  const bool secure = r.sec == UbAnswer::Secure;
  if (rcode == kRcodeNxDomain) {
    a.cls = secure ? DnsClass::SecureNx : DnsClass::InsecureNx;
    a.reason = DnsReason::NxDomain;
    return a;
  }
  if (!parsed->records.empty()) {
    a.records = std::move(parsed->records);
    a.cls = secure ? DnsClass::Secure : DnsClass::Insecure;
    a.reason = DnsReason::Ok;
    return a;
  }
  a.cls = secure ? DnsClass::SecureNx : DnsClass::InsecureNx;
  a.reason = DnsReason::NoData;
  return a;
}

}  // namespace nulmeting::scanner
