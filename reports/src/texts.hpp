// texts.hpp — every fixed text of the reports in Dutch (default) and English.
//
// Verdict values stay the names of measurement.md in every language (they are the interface
// analysts query with SQL); headers, titles, cause and change labels are translated.
#pragma once

#include <nulmeting/reports/model.hpp>

#include <string_view>

namespace nulmeting::reports {

struct Texts {
  std::string_view html_lang, title, subtitle_run, compared_with, generated_by, unfinished;
  // headline
  std::string_view t_headline, n_headline, metric, count, of, share, domains_measured,
      receives_mail, starttls_all, dane_valid, protected_, dnssec_signed;
  // sector table
  std::string_view t_sectors, n_sectors, sector, total, domains, null_mx, no_mail, mail_error,
      starttls_partial, starttls_none, unreachable, dane_invalid, dane_partial, dane_untested,
      dane_none, rollover;
  // causes
  std::string_view t_causes, n_causes, not_protected;
  // providers
  std::string_view t_providers, n_providers, provider, mx_hosts, hosts_with_tlsa, dane_status,
      protected_domains, host_names;
  // domains
  std::string_view t_domains, n_domains, organization, domain, mail, dnssec, starttls, dane,
      protected_col, cause, reason, mx;
  // changes
  std::string_view t_changes, n_changes, n_changes_none, change, before, after;
  // trend
  std::string_view t_trend, n_trend, run, started, label;
  // charts
  std::string_view c_starttls, c_dane, c_protected, c_causes, c_trend, c_providers, domains_short,
      protected_short, yes, no, legend_of;
  std::string_view definitions, rows_hidden;
  // HTML of a large report: the per-organisation table is a linked CSV file ({} = rows)
  std::string_view rows_split, rows_split_link;
  std::string_view cause_label[kCauseCount];
  std::string_view cause_def[kCauseCount];
  std::string_view change_label[4];   // Improved, Regressed, Added, Removed
  std::string_view provider_dane[4];  // Valid, Partial, Invalid, None
  // TLS quality (§4): the "STARTTLS conform NCSC" share, the other values, failing items.
  // Table titles are XLSX sheet names too: at most 31 characters, none of : \ / ? * [ ]
  std::string_view tls_conform, tls_phase_out, tls_insufficient, tls_incomplete, t_tls_items,
      n_tls_items, tls_assessed;
  std::string_view spf_strict, dmarc_enforced, dkim_present, tls_rpt_valid, agreements;
  std::string_view mta_sts_enforce;  // §5: MTA-STS policy in enforce mode (headline row, column)
};

const Texts& texts(Lang);
std::string_view sector_label(Lang, Sector);

}  // namespace nulmeting::reports
