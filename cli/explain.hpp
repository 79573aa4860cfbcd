// explain.hpp — `nulmeting check`: a measured domain explained for its mail administrator.
//
// Pure formatting of a finished DomainResult: the verdicts, every MX host, address, TLSA
// record and probe outcome, and — per verdict that is not a pass — why, in plain words with the
// RFC section and what to fix. No I/O; the command prints the string.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <string>
#include <vector>

namespace nulmeting::cli {

std::string explain_text(const DomainResult& result);

// The reasons behind the verdicts (also used by --json as "why").
std::vector<std::string> explain_reasons(const DomainResult& result);

}  // namespace nulmeting::cli
