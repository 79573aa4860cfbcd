// dns.hpp — what the verdict rules read from one DNS answer (measurement.md §1, §2.1).
//
// The class helpers every rule uses (data or denial, weakest of a set) and the MX plan of §2.1:
// which hosts a domain has, after the null-MX check, the implicit-MX rule, de-duplication,
// ordering and the `--max-mx` cap. The resolver calls mx_plan() to decide which hosts to look up
// (the cap is applied before any host lookup, and nowhere else); decide_mail() calls it to read
// the same answer the same way.
// Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::verdict {

// Records present (secure or insecure).
bool has_data(const DnsAnswer& a);
// A denial (NXDOMAIN or NODATA), validated or not.
bool is_nx(const DnsAnswer& a);
// Weakest of two classes for the security of a set of answers: fail < insecure < secure; the NX
// classes count as their secure/insecure counterparts, and the weaker argument is returned.
DnsClass weakest(DnsClass a, DnsClass b);

// "10 mx.example.nl." → preference and exchange (lower case, no trailing dot; "" and is_null
// for the null MX "."). nullopt when the text is not an MX record.
struct MxText {
  std::uint16_t preference = 0;
  std::string exchange;
  bool is_null = false;
};
std::optional<MxText> parse_mx_text(std::string_view text);

// §2.1, read from the MX answer of D.
enum class MxKind : std::uint8_t {
  Fail,        // the answer is `fail`: mail = error, nothing else is evaluated
  NoDomain,    // NXDOMAIN: mail = no_mail
  NullMx,      // an exchange "." (RFC 7505), even beside other records
  Implicit,    // NODATA: the host list is [D] (RFC 5321 §5.1)
  Hosts,       // MX records: hosts by preference, then name
  Unreadable,  // records, but none of them an MX record: mail = error
};
struct MxPlan {
  MxKind kind = MxKind::Fail;
  std::vector<std::pair<std::uint16_t, std::string>> hosts;  // (preference, A-label name)
  std::vector<std::string> findings;                         // misconfigurations noticed
};
// max_mx 0 = no cap. `domain` is the A-label of D (the implicit host).
MxPlan mx_plan(const DnsAnswer& mx, std::string_view domain, std::size_t max_mx = 0);

}  // namespace nulmeting::verdict
