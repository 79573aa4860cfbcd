// commands_shard.cpp — `nulmeting plan` (the cheap first phase of a sharded scan) and
// `nulmeting merge` (shard databases of one plan into one finished run).
// Design and figures: docs/decisions/sharding.md.
#include "options.hpp"

#include <spdlog/spdlog.h>

namespace nulmeting::cli {

// Skeleton: the command line is fixed first so that the scheduler scripts can be built on it.
int run_plan(const PlanOptions&) {
  spdlog::error("plan: not implemented yet");
  return kInternal;
}

int run_merge(const MergeOptions&) {
  spdlog::error("merge: not implemented yet");
  return kInternal;
}

}  // namespace nulmeting::cli
