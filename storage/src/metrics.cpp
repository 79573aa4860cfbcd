// metrics.cpp — Prometheus textfile metrics of one run, read from the database (metrics.hpp).
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/ (text 0.0.4): one HELP
// and one TYPE line per metric family, then its samples; label values escaped (\\, \", \n).
#include "schema.hpp"
#include "sqlite.hpp"

#include <nulmeting/storage/metrics.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting::storage {
namespace {

using detail::Stmt;

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// A number as Prometheus reads it: integers without a fraction, others with enough digits.
std::string number(double v) { return fmt::format("{}", v); }

class Text {
 public:
  void family(std::string_view name, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
  }
  void sample(std::string_view name, double value,
              std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {}) {
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escape_label(v));
        first = false;
      }
      out_ += '}';
    }
    out_ += ' ' + number(value) + '\n';
  }
  void gauge(std::string_view name, std::string_view help, double value) {
    family(name, help);
    sample(name, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr std::array<std::string_view, 4> kStatuses{"running", "finished", "failed", "aborted"};

// The verdict fields of domain_results and the names each can hold (measurement.hpp).
template <class Enum, std::size_t N>
std::vector<std::string_view> names_of(const std::array<Enum, N>& values) {
  std::vector<std::string_view> out;
  for (Enum e : values) out.push_back(to_string(e));
  return out;
}

struct VerdictField {
  std::string_view column;
  std::vector<std::string_view> values;
};

std::vector<VerdictField> verdict_fields() {
  return {
      {"mail", names_of(std::array{MailVerdict::Receives, MailVerdict::NullMx, MailVerdict::NoMail,
                                   MailVerdict::Error})},
      {"dnssec",
       names_of(std::array{DnssecVerdict::Secure, DnssecVerdict::Insecure, DnssecVerdict::Bogus,
                           DnssecVerdict::Error, DnssecVerdict::NotApplicable})},
      {"starttls",
       names_of(std::array{StarttlsVerdict::All, StarttlsVerdict::Partial, StarttlsVerdict::None,
                           StarttlsVerdict::Unreachable, StarttlsVerdict::NotApplicable})},
      {"dane",
       names_of(std::array{DaneVerdict::Valid, DaneVerdict::Invalid, DaneVerdict::Partial,
                           DaneVerdict::Untested, DaneVerdict::None, DaneVerdict::NotApplicable})},
      {"dane_rollover", names_of(std::array{RolloverVerdict::Yes, RolloverVerdict::No,
                                            RolloverVerdict::NotApplicable})},
      {"tls_quality", names_of(std::array{TlsQuality::Good, TlsQuality::Sufficient,
                                          TlsQuality::PhaseOut, TlsQuality::Insufficient,
                                          TlsQuality::Incomplete, TlsQuality::NotApplicable})},
      {"mta_sts", names_of(std::array{MtaStsVerdict::Enforce, MtaStsVerdict::Testing,
                                      MtaStsVerdict::None, MtaStsVerdict::Invalid,
                                      MtaStsVerdict::Error, MtaStsVerdict::NotApplicable})},
      {"spf", names_of(std::array{SpfVerdict::Valid, SpfVerdict::Invalid, SpfVerdict::None,
                                  SpfVerdict::Error})},
      {"spf_policy", names_of(std::array{SpfPolicy::Strict, SpfPolicy::Soft, SpfPolicy::Open,
                                         SpfPolicy::NotApplicable})},
      {"dmarc", names_of(std::array{DmarcVerdict::Valid, DmarcVerdict::Invalid, DmarcVerdict::None,
                                    DmarcVerdict::Error})},
      {"dmarc_policy", names_of(std::array{DmarcPolicy::Reject, DmarcPolicy::Quarantine,
                                           DmarcPolicy::None, DmarcPolicy::NotApplicable})},
      {"dkim", names_of(std::array{DkimVerdict::Present, DkimVerdict::Absent, DkimVerdict::Error})},
      {"tls_rpt",
       names_of(std::array{TlsRptVerdict::Valid, TlsRptVerdict::Invalid, TlsRptVerdict::None,
                           TlsRptVerdict::Error, TlsRptVerdict::NotApplicable})},
  };
}

constexpr std::array kOutcomes{
    ProbeOutcome::StarttlsOk,    ProbeOutcome::NoStarttls,    ProbeOutcome::StarttlsRefused,
    ProbeOutcome::TlsFailed,     ProbeOutcome::Refused,       ProbeOutcome::Timeout,
    ProbeOutcome::SmtpTempError, ProbeOutcome::SmtpPermError, ProbeOutcome::Reset,
    ProbeOutcome::ProtocolError, ProbeOutcome::NotPublic,     ProbeOutcome::NoRoute,
    ProbeOutcome::InternalError};

void status_family(Text& t, std::string_view status) {
  t.family("nulmeting_run_status", "Status of the run (1 for its status, 0 for the others)");
  for (auto s : kStatuses) t.sample("nulmeting_run_status", s == status ? 1 : 0, {{"status", s}});
}

// The newest finished run of the database (any run, not only this one).
void last_finished(Text& t, sqlite3* db) {
  Stmt s(db,
         "SELECT id, CAST(strftime('%s', finished_at) AS INTEGER) FROM runs "
         "WHERE status = 'finished' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1");
  if (!s.step()) return;
  t.gauge("nulmeting_last_finished_run_id", "ID of the newest finished run in the database",
          static_cast<double>(s.i64(0)));
  t.gauge("nulmeting_last_finished_run_end_timestamp_seconds",
          "End of the newest finished run in the database (Unix time)",
          static_cast<double>(s.i64(1)));
}

void run_metrics(Text& t, sqlite3* db, std::int64_t run_id) {
  Stmt run(db,
           "SELECT status, CAST(strftime('%s', started_at) AS INTEGER), "
           "CAST(strftime('%s', finished_at) AS INTEGER), summary, domain_total, label, "
           "(SELECT count(*) FROM domain_results WHERE run_id = ?1) FROM runs WHERE id = ?1");
  run.bind(1, run_id);
  if (!run.step()) throw detail::SqlError(SQLITE_NOTFOUND, fmt::format("no run {}", run_id));
  const std::string status = run.text(0);
  const auto started = static_cast<double>(run.i64(1));
  const std::optional<double> ended =
      run.is_null(2) ? std::nullopt : std::optional(static_cast<double>(run.i64(2)));
  const nlohmann::json summary = run.is_null(3)
                                     ? nlohmann::json::object()
                                     : nlohmann::json::parse(run.text(3), nullptr, false);
  auto from_summary = [&](const char* key) -> std::optional<double> {
    if (!summary.is_object() || !summary.contains(key) || !summary[key].is_number())
      return std::nullopt;
    return summary[key].get<double>();
  };

  t.family("nulmeting_run_info", "The run this file describes (value 1; its ID and label)");
  t.sample("nulmeting_run_info", 1, {{"run", std::to_string(run_id)}, {"label", run.text(5)}});
  t.gauge("nulmeting_run_id", "ID of the run this file describes", static_cast<double>(run_id));
  status_family(t, status);
  t.gauge("nulmeting_run_start_timestamp_seconds", "Start of the run (Unix time)", started);
  if (ended) t.gauge("nulmeting_run_end_timestamp_seconds", "End of the run (Unix time)", *ended);
  // A resumed run spans sessions; the summary's `seconds` is the measuring time of the session
  // that ended it, and is the duration when there is one.
  if (auto secs = from_summary("seconds"); secs || ended)
    t.gauge("nulmeting_run_duration_seconds", "Measuring time of the session that ended the run",
            secs ? *secs : *ended - started);
  t.gauge("nulmeting_run_domains_listed", "Valid domains of the list at the start of the run",
          static_cast<double>(run.i64(4)));
  t.gauge("nulmeting_run_domains_stored", "Domain results stored for the run",
          static_cast<double>(run.i64(6)));

  t.family("nulmeting_domains", "Domains of the run by verdict field and value (measurement.md)");
  for (const auto& f : verdict_fields()) {
    Stmt s(db, fmt::format("SELECT {0}, count(*) FROM domain_results WHERE run_id = ?1 "
                           "GROUP BY {0}",
                           f.column));
    s.bind(1, run_id);
    std::vector<std::pair<std::string, std::int64_t>> got;
    while (s.step()) got.emplace_back(s.text(0), s.i64(1));
    for (auto v : f.values) {
      std::int64_t n = 0;
      for (const auto& [name, count] : got)
        if (name == v) n = count;
      t.sample("nulmeting_domains", static_cast<double>(n), {{"field", f.column}, {"value", v}});
    }
  }
  {
    Stmt s(db,
           "SELECT coalesce(sum(protected = 1), 0), coalesce(sum(protected = 0), 0), "
           "coalesce(sum(mail = 'error' OR unmeasured <> '[]'), 0) "
           "FROM domain_results WHERE run_id = ?1");
    s.bind(1, run_id);
    s.step();
    t.sample("nulmeting_domains", static_cast<double>(s.i64(0)),
             {{"field", "protected"}, {"value", "true"}});
    t.sample("nulmeting_domains", static_cast<double>(s.i64(1)),
             {{"field", "protected"}, {"value", "false"}});
    // The scanner's own definition (scanner::domain_unmeasured): mail = error, or a reason.
    t.gauge("nulmeting_domains_unmeasured",
            "Domains whose verdicts are not a measurement (mail = error or unmeasured reasons)",
            static_cast<double>(s.i64(2)));
  }

  if (auto c = from_summary("dns_failures_confirmed"), r = from_summary("dns_failures_recovered");
      c || r) {
    t.family("nulmeting_dns_failures",
             "DNS failures of the session that ended the run: confirmed on asking again, or "
             "recovered");
    if (c) t.sample("nulmeting_dns_failures", *c, {{"kind", "confirmed"}});
    if (r) t.sample("nulmeting_dns_failures", *r, {{"kind", "recovered"}});
  }
  if (auto d = from_summary("domains_dns_failure"))
    t.gauge("nulmeting_domains_dns_failure",
            "Unmeasured domains resting on a confirmed DNS failure (session that ended the run)",
            *d);

  t.family("nulmeting_probes", "SMTP probes stored for the run by outcome");
  {
    Stmt s(db, "SELECT outcome, count(*) FROM probes WHERE run_id = ?1 GROUP BY outcome");
    s.bind(1, run_id);
    std::vector<std::pair<std::string, std::int64_t>> got;
    while (s.step()) got.emplace_back(s.text(0), s.i64(1));
    for (ProbeOutcome o : kOutcomes) {
      std::int64_t n = 0;
      for (const auto& [name, count] : got)
        if (name == to_string(o)) n = count;
      t.sample("nulmeting_probes", static_cast<double>(n), {{"outcome", to_string(o)}});
    }
  }
  if (auto rss = from_summary("peak_rss_bytes"))
    t.gauge("nulmeting_peak_memory_bytes",
            "Peak resident memory of the scan process that ended the run (getrusage maxrss)", *rss);
}

}  // namespace

std::expected<std::string, StorageError> metrics_text(Reader* reader,
                                                      std::optional<std::int64_t> run_id) {
  Text t;
  if (reader == nullptr) {
    status_family(t, "failed");
    return t.take();
  }
  try {
    if (run_id)
      run_metrics(t, reader->handle(), *run_id);
    else
      status_family(t, "failed");
    last_finished(t, reader->handle());
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
  return t.take();
}

}  // namespace nulmeting::storage
