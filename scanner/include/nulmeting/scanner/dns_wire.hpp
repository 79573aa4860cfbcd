// dns_wire.hpp — a small, bounds-checked reader for DNS wire-format answers.
//
// Why: libunbound hands us the answer packet (ub_resolve_event's callback) but offers no
// presentation-format printer, and its own record selection (ub_result::data) loses the CNAME
// chain. We read the answer
// section ourselves to get (1) the records of the asked type at the end of the CNAME chain in
// presentation format and (2) the chain itself. Everything here treats its input as hostile:
// every read is bounds-checked, compression pointers must point backwards and are counted, and
// a packet that does not parse is an error value, never a crash (tests/scanner/dns_wire_test.cpp
// feeds it truncated and looping packets).
//
// Who calls it: dns_classify.cpp (classification of one answer). Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

namespace rrtype {
inline constexpr std::uint16_t A = 1;
inline constexpr std::uint16_t NS = 2;
inline constexpr std::uint16_t CNAME = 5;
inline constexpr std::uint16_t SOA = 6;
inline constexpr std::uint16_t MX = 15;
inline constexpr std::uint16_t TXT = 16;
inline constexpr std::uint16_t AAAA = 28;
inline constexpr std::uint16_t DNAME = 39;
inline constexpr std::uint16_t DS = 43;
inline constexpr std::uint16_t RRSIG = 46;
inline constexpr std::uint16_t DNSKEY = 48;
inline constexpr std::uint16_t TLSA = 52;
}  // namespace rrtype

// Longest CNAME chain we follow (RFC 7672 §2.1.3 asks for a limit; 10 like Postfix/Unbound's
// order of magnitude). A longer chain is `fail` with reason CnameLoop.
inline constexpr std::size_t kMaxCnameLinks = 10;

// Longest TXT text kept (after escaping). SPF, DMARC and TLS-RPT records are far shorter; a
// longer record is cut and so fails their syntax, which is the right verdict for it.
inline constexpr std::size_t kMaxTxtText = 4096;

// One resource record of the answer section, owner name already decompressed.
struct WireRecord {
  std::string owner;  // lower-case, no trailing dot ("" for the root)
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::string text;                 // RDATA in presentation format
  std::vector<std::uint8_t> rdata;  // raw RDATA (names inside still compressed)
};

struct ParsedAnswer {
  int rcode = 0;
  std::vector<WireRecord> answers;  // the whole answer section, in order
  // Result of following CNAMEs from the question name:
  std::vector<std::string> cname_chain;  // targets, in order, excluding qname (no trailing dot)
  std::string canonical_name;            // last name of the chain (== qname without CNAMEs)
  std::vector<std::string> records;      // presentation RDATA of `qtype` at canonical_name
  bool chain_too_long = false;           // more than kMaxCnameLinks links, or a loop
};

// Parses a whole DNS message and follows the CNAME chain from `qname` for `qtype`.
// `qname` is compared case-insensitively, with or without trailing dot.
std::expected<ParsedAnswer, std::string> parse_answer(std::span<const std::uint8_t> packet,
                                                      std::string_view qname, std::uint16_t qtype);

// Reads a possibly compressed name at `offset`; on success sets `next` to the first byte after
// the name in the original position. Output: lower-case presentation form without trailing dot,
// special characters escaped (RFC 1035 §5.1: "\." and "\DDD").
std::expected<std::string, std::string> read_name(std::span<const std::uint8_t> packet,
                                                  std::size_t offset, std::size_t& next);

// RDATA (at packet[offset, offset+len)) in presentation format. Names are written absolute
// with a trailing dot ("10 mx.example.nl."). TXT is its character-strings joined without
// separator, "\\" for a backslash and "\DDD" for other bytes outside printable ASCII,
// capped at kMaxTxtText. Types we do not know use RFC 3597 "\# len hex".
std::expected<std::string, std::string> rdata_to_text(std::span<const std::uint8_t> packet,
                                                      std::size_t offset, std::size_t len,
                                                      std::uint16_t type);

// Lower-cases and strips one trailing dot ("Mx.Example.NL." → "mx.example.nl").
std::string normalize_name(std::string_view name);

// TLSA and MX presentation text are read by the verdict module (nulmeting/verdict/tlsa.hpp,
// dns.hpp): one parser and one usability rule for everyone.

}  // namespace nulmeting::scanner
