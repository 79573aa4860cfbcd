// A hidden benchmark (not a timed test): write N synthetic domains over shared MX hosts
// through RunWriter, then stream them back and export JSONL. Prints rates and peak RSS.
//   NULMETING_BENCH_DOMAINS=100000 build/<dir>/tests/test_storage "[.bench]"
// (add NULMETING_BENCH_DB=/tmp/b.db to keep the database)
#include "compare.hpp"

#include <nulmeting/storage/export.hpp>
#include "support/fixture.hpp"
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sys/resource.h>

using namespace nulmeting;
using namespace nulmeting::storage;

TEST_CASE("storage throughput", "[.bench]") {
  const char* env = std::getenv("NULMETING_BENCH_DOMAINS");
  std::size_t n = env != nullptr ? std::stoul(env) : 10000;
  test::TempDir dir;
  // NULMETING_BENCH_DB keeps the database (a new file) for timing queries on the views.
  const char* keep = std::getenv("NULMETING_BENCH_DB");
  auto db = keep != nullptr ? std::string(keep) : dir.file("bench.db");
  static const auto base = testing::fixture_results(2);
  auto t0 = std::chrono::steady_clock::now();
  auto w = RunWriter::begin(db, RunStart{});
  REQUIRE(w.has_value());
  std::size_t max_queue = 0;
  for (std::size_t i = 0; i < n; ++i) {
    DomainResult r = base[i % base.size()];
    r.entry.domain = "d" + std::to_string(i) + ".nl";
    // 500 distinct own MX hosts shared by the domains, as in the scan benchmark.
    for (auto& h : r.mx)
      if (h.name.starts_with("mx.")) h.name = "mx" + std::to_string(i % 500) + ".hosting.nl";
    (*w)->submit(std::move(r));
    if (i % 1000 == 0) max_queue = std::max(max_queue, (*w)->queued());
  }
  auto t_submit = std::chrono::steady_clock::now();
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  auto t1 = std::chrono::steady_clock::now();
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  std::ofstream out(dir.file("out.jsonl"));
  auto count = export_jsonl(*reader, 1, out);
  REQUIRE(count.has_value());
  CHECK(static_cast<std::size_t>(*count) == n);
  auto t2 = std::chrono::steady_clock::now();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  WARN("domains " << n << ": submit " << secs(t0, t_submit) << " s, write total " << secs(t0, t1)
                  << " s (" << static_cast<double>(n) / secs(t0, t1) << "/s), max queue "
                  << max_queue << "; export jsonl " << secs(t1, t2) << " s ("
                  << static_cast<double>(n) / secs(t1, t2) << "/s); peak RSS "
                  << ru.ru_maxrss / 1024 << " MiB; db "
                  << std::filesystem::file_size(db) / (1024 * 1024) << " MiB");
}
