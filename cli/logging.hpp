// logging.hpp — spdlog set-up for the command: human lines or JSON lines on stderr.
//
// Levels mean (house style): debug = per-probe SMTP chat, info = progress, warn = a target
// misbehaved, error = our fault. JSON lines are for nightly jobs (journald, log shippers).
#pragma once
#include <string>

namespace nulmeting::cli {
// Throws std::invalid_argument for an unknown level name.
void setup_logging(const std::string& level, bool json);
}  // namespace nulmeting::cli
