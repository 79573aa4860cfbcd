// libFuzzer target: TLSA RDATA (wire) and presentation parsing (verdict/tlsa.hpp),
// including the DER check of full-data records. Invariants: no crash/UB; a parsed record's
// usability equals tlsa_usable(); usable implies usage 2/3, selector 0/1, matching type 0/1/2.
#include <nulmeting/verdict/tlsa.hpp>

#include <cstdlib>
#include <span>
#include <string_view>

using namespace nulmeting::verdict;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto check = [](const nulmeting::TlsaRecord& r) {
    if (r.usable != tlsa_usable(r)) std::abort();
    if (r.usable && ((r.usage != 2 && r.usage != 3) || r.selector > 1 || r.matching_type > 2))
      std::abort();
    (void)r.text();
  };
  if (auto r = parse_tlsa_rdata(std::span<const std::uint8_t>(data, size))) check(*r);
  if (auto r = parse_tlsa_text(std::string_view(reinterpret_cast<const char*>(data), size))) {
    check(*r);
    // Round trip: the text form parses back to the same record.
    auto again = parse_tlsa_text(r->text());
    if (!again || again->data != r->data || again->usage != r->usage) std::abort();
  }
  return 0;
}
