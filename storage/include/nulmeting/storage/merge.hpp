// merge.hpp — `nulmeting merge`: the shard databases of one plan into one finished run.
//
// Who calls it: the command line (cli/commands_shard.cpp) and tests/storage/merge_test.cpp.
// What it checks first, reading every shard read-only (each refusal names the file and is a
// StorageError of kind BadDatabase, exit 2; nothing is written): each file is a nulmeting
// database of this schema version whose newest run is a finished shard run (`scan --shard`);
// all shards measured the same list (list checksum), with the same options (the options JSON),
// under the same measurement contract, by the same plan (digest) and the same N; every shard
// 0..N-1 is there exactly once (a doubled or missing shard is named).
// What it writes: one new run in the output database (created if missing), status finished,
// holding every domain of every shard with its verdicts and evidence; the ids of the shard
// are remapped, organisations and domains are found by name, and shared MX host results and
// probes are stored once by their natural keys (name and content hash; host, address and
// content hash), as one machine stores them. All of it in ONE transaction, with the shards
// ATTACHed (SQLite allows 10 attached databases: at most 10 shards per merge).
// Idempotent: the merged run carries a key made of the plan digest and each shard run's
// identity (index, start, end, domains); merging the same shards again finds that run and
// changes nothing (MergeOutcome::already_merged).
// Threading: blocking, any thread; one call at a time per output database.
#pragma once

#include <nulmeting/storage/database.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::storage {

struct MergeRequest {
  std::vector<std::string> shard_paths;
  std::optional<std::string> label;  // default: the label of shard 0
};

struct MergeOutcome {
  std::int64_t run_id = 0;
  bool already_merged = false;  // an earlier merge of these very shard runs: nothing written
  std::int64_t domains = 0;     // domain results in the merged run
  int shards = 0;
  std::int64_t hosts_shared = 0;   // MX host rows found in more than one shard (stored once)
  std::int64_t probes_shared = 0;  // probe rows found in more than one shard (stored once)
};

std::expected<MergeOutcome, StorageError> merge_shards(const std::string& out_path,
                                                       const MergeRequest& request);

}  // namespace nulmeting::storage
