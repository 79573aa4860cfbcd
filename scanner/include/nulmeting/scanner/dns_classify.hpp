// dns_classify.hpp — turns one libunbound answer into a DnsAnswer (measurement.md §1).
//
// The five classes (secure, insecure, secure-nx, insecure-nx, fail) plus the precise reason.
// Trap (internet.nl #681/#1534): a SERVFAIL without data has no records and no NXDOMAIN —
// exactly what NODATA looks like. Only the rcode tells them apart, so bogus and the rcode are
// read FIRST; only a NOERROR/NXDOMAIN answer can be "no record". The whole decision table is in
// classify_result() and tested cell by cell in dns_classify_test.cpp.
//
// Input: what libunbound's event API hands back (ub_resolve_event's callback): the resolution's
// rcode (non-zero: it failed, no usable packet), the answer packet, the security status of the
// whole answer and the reason text of a bogus one. The records are read from the packet as
// libunbound itself reads them for ub_result::data (libworker.c, fill_res): the RRset of the
// asked type at the end of the CNAME chain.
//
// CNAME chains: libunbound follows CNAMEs itself and its security status covers the whole chain
// (the validator marks the reply secure only when every RRset in it validated), so "weakest
// link" needs no extra computation; the chain itself is read from the answer packet.
//
// Pure functions, any thread. Called by DnsClient on the loop thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/verdict/dns.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

// One answer of ub_resolve_event, copied out of libunbound's callback.
struct UbAnswer {
  enum Security : int { Insecure = 0, Bogus = 1, Secure = 2 };  // the callback's `sec`
  int rcode = 0;                     // non-zero: the resolution failed (the packet is not used)
  std::vector<std::uint8_t> packet;  // the answer (rcode 0)
  int sec = Insecure;
  std::string why_bogus;
};

DnsAnswer classify_result(std::string_view qname, std::uint16_t qtype, const UbAnswer& r);

// Answer for a query that got no result in time (after retries) or was cancelled.
DnsAnswer timeout_answer(std::string_view qname, std::uint16_t qtype);
DnsAnswer error_answer(std::string_view qname, std::uint16_t qtype, std::string_view why);

// has_data, is_nx and weakest (the class helpers the verdict rules read answers with) live in
// the verdict module; the scanner uses the same ones.
using verdict::has_data;
using verdict::is_nx;
using verdict::weakest;

}  // namespace nulmeting::scanner
