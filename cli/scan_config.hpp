// scan_config.hpp — turns the command-line ProbeOptions into the scanner's EngineConfig, and
// the small pieces `scan` and `check` share (EHLO name check, options as JSON for the run).
#pragma once

#include "options.hpp"

#include <nulmeting/scanner/scan_engine.hpp>

#include <expected>
#include <string>

namespace nulmeting::cli {

// Validates the options (EHLO name an FQDN, resolver syntax) and builds the engine config.
std::expected<scanner::EngineConfig, std::string> engine_config(const ProbeOptions& o);

// The options of a run as a JSON object (stored with the run).
std::string options_json(const ProbeOptions& o);

// {"nulmeting": ..., "libunbound": ..., "libuv": ..., "openssl": ..., "sqlite": ...}
std::string versions_json();

}  // namespace nulmeting::cli
