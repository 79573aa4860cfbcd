// dns_classify.hpp — turns one libunbound result into a DnsAnswer (measurement.md §1).
//
// The five classes (secure, insecure, secure-nx, insecure-nx, fail) plus the precise reason.
// Trap (internet.nl #681/#1534): libunbound reports a SERVFAIL without data as havedata == 0,
// nxdomain == 0 — exactly what NODATA looks like. Only the rcode tells them apart, so the rcode
// is read FIRST; then bogus; only a NOERROR/NXDOMAIN answer can be "no record". The whole
// decision table is in classify_result() and tested cell by cell in dns_classify_test.cpp.
//
// CNAME chains: libunbound follows CNAMEs itself and its `secure` flag covers the whole chain
// (the validator marks the reply secure only when every RRset in it validated), so "weakest
// link" needs no extra computation; the chain itself is read from the answer packet.
//
// Pure functions, any thread. Called by DnsClient on the loop thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/verdict/dns.hpp>

#include <unbound.h>

#include <memory>
#include <string_view>

namespace nulmeting::scanner {

struct UbResultDeleter {
  void operator()(ub_result* r) const noexcept { ub_resolve_free(r); }
};
using UbResultPtr = std::unique_ptr<ub_result, UbResultDeleter>;

// `err` is the libunbound callback error (0 when a result is present). `r` may be null.
DnsAnswer classify_result(std::string_view qname, std::uint16_t qtype, int err, const ub_result* r);

// Answer for a query that got no result in time (after retries) or was cancelled.
DnsAnswer timeout_answer(std::string_view qname, std::uint16_t qtype);
DnsAnswer error_answer(std::string_view qname, std::uint16_t qtype, std::string_view why);

// has_data, is_nx and weakest (the class helpers the verdict rules read answers with) live in
// the verdict module; the scanner uses the same ones.
using verdict::has_data;
using verdict::is_nx;
using verdict::weakest;

}  // namespace nulmeting::scanner
