// scan_config.hpp — turns the command-line ProbeOptions into the scanner's EngineConfig, and
// the small pieces `scan` and `check` share (EHLO name check, options as JSON for the run).
#pragma once

#include "options.hpp"

#include <nulmeting/scanner/scan_engine.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <nlohmann/json.hpp>

#include <expected>
#include <memory>
#include <string>

namespace nulmeting::cli {

// Validates the options (EHLO name an FQDN, resolver syntax) and builds the engine config.
std::expected<scanner::EngineConfig, std::string> engine_config(const ProbeOptions& o);

// A ready scanner for `scan` and `check`: its loop and engine, built from the options (EHLO
// name, resolver, trust anchor checked). finish() closes the engine and then the loop, and
// reports a leaked handle (uv_loop_close() != 0) as an error of ours.
struct ScannerSession {
  scanner::UvLoop loop;
  std::unique_ptr<scanner::ScanEngine> engine;
  void finish();
};
std::expected<std::unique_ptr<ScannerSession>, std::string> open_scanner(const ProbeOptions& o);

// The options of a run as a JSON object (stored with the run).
std::string options_json(const ProbeOptions& o);

// The start-up route check as stored in the run's summary: {"ipv4": true, "ipv6": false}.
nlohmann::ordered_json routes_json(const scanner::RouteCheck& r);

// {"nulmeting": ..., "libunbound": ..., "libuv": ..., "openssl": ..., "sqlite": ...}
std::string versions_json();

}  // namespace nulmeting::cli
