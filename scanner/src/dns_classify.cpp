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

DnsAnswer classify_result(std::string_view qname, std::uint16_t qtype, int err,
                          const ub_result* r) {
  DnsAnswer a = base(qname, qtype);
  if (err != 0 || r == nullptr) {
    a.why_bogus = err != 0 ? ub_strerror(err) : "no result";
    return fail(std::move(a), DnsReason::Error);
  }
  a.rcode = r->rcode;
  // 1. Validation failure first: a bogus answer may carry any rcode (usually SERVFAIL).
  if (r->bogus) {
    a.why_bogus = sanitize(r->why_bogus);
    return fail(std::move(a), DnsReason::Bogus);
  }
  // 2. The rcode, before havedata: SERVFAIL without data looks like NODATA otherwise.
  if (r->rcode == kRcodeServFail) return fail(std::move(a), DnsReason::ServFail);
  if (r->rcode == kRcodeRefused) return fail(std::move(a), DnsReason::Refused);
  if (r->rcode != kRcodeNoError && r->rcode != kRcodeNxDomain)
    return fail(std::move(a), DnsReason::Malformed);

  // 3. The answer packet gives the CNAME chain; a packet we cannot read is `fail`.
  if (r->answer_packet != nullptr && r->answer_len > 0) {
    const std::span<const std::uint8_t> pkt(static_cast<const std::uint8_t*>(r->answer_packet),
                                            static_cast<std::size_t>(r->answer_len));
    auto parsed = parse_answer(pkt, a.qname, qtype);
    if (!parsed) {
      a.why_bogus = parsed.error();
      return fail(std::move(a), DnsReason::Malformed);
    }
    if (parsed->chain_too_long) {
      a.cname_chain = std::move(parsed->cname_chain);
      return fail(std::move(a), DnsReason::CnameLoop);
    }
    a.cname_chain = std::move(parsed->cname_chain);
    a.canonical_name = std::move(parsed->canonical_name);
  } else if (r->havedata) {
    return fail(std::move(a), DnsReason::Malformed);  // data but no packet: cannot show a chain
  } else if (r->canonname != nullptr) {
    a.canonical_name = normalize_name(sanitize(r->canonname, 1024));
  }

  // 4. Records: libunbound's own selection (data[]), rendered from its uncompressed RDATA.
  if (r->havedata && r->data != nullptr && r->len != nullptr) {
    for (std::size_t i = 0; r->data[i] != nullptr; ++i) {
      if (r->len[i] < 0) return fail(std::move(a), DnsReason::Malformed);
      const std::span<const std::uint8_t> rd(reinterpret_cast<const std::uint8_t*>(r->data[i]),
                                             static_cast<std::size_t>(r->len[i]));
      auto text = rdata_to_text(rd, 0, rd.size(), qtype);
      if (!text) {
        a.why_bogus = text.error();
        a.records.clear();
        return fail(std::move(a), DnsReason::Malformed);
      }
      a.records.push_back(std::move(*text));
    }
  }

  const bool secure = r->secure != 0;
  if (r->rcode == kRcodeNxDomain || r->nxdomain) {
    a.records.clear();
    a.cls = secure ? DnsClass::SecureNx : DnsClass::InsecureNx;
    a.reason = DnsReason::NxDomain;
    return a;
  }
  if (r->havedata) {
    if (a.records.empty()) return fail(std::move(a), DnsReason::Malformed);
    a.cls = secure ? DnsClass::Secure : DnsClass::Insecure;
    a.reason = DnsReason::Ok;
    return a;
  }
  a.cls = secure ? DnsClass::SecureNx : DnsClass::InsecureNx;
  a.reason = DnsReason::NoData;
  return a;
}

}  // namespace nulmeting::scanner
