// schema.cpp — the results database schema as a list of migration steps (PRAGMA user_version).
//
// Step N brings a database from user_version N-1 to N inside one transaction (BEGIN
// IMMEDIATE, so two processes cannot migrate at once). Never edit a released step: add one.
// Step 1: tables. Step 2: indexes and the documented views (README, "The results database").
// Step 3: the vocabulary of measurement contract v2 (see kStep3). Step 4: the mail standards
// of §5 (kStepMailStandards).
// Trap: PRAGMA journal_mode=WAL cannot run inside a transaction, and foreign_keys is a
// per-connection setting that is silently ignored inside a transaction: both are set right
// after opening, before any migration.
#include "schema.hpp"

#include <nulmeting/storage/database.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <libpsl.h>

namespace nulmeting::storage {
namespace {

// The value lists of measurement.hpp, as SQL CHECK lists (kept equal by the round-trip tests,
// which write every enum value).
#define NM_DNS_CLASS "'secure','insecure','secure-nx','insecure-nx','fail'"
#define NM_SECTOR "'rijk','provincie','gemeente','waterschap','overig'"

constexpr const char* kStep1 = R"sql(
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  status        TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running','finished','failed','aborted')),
  label         TEXT NOT NULL DEFAULT '',
  list_path     TEXT NOT NULL DEFAULT '',
  list_checksum TEXT NOT NULL DEFAULT '',
  options       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  versions      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(versions)),
  domain_total  INTEGER NOT NULL DEFAULT 0,
  summary       TEXT CHECK (summary IS NULL OR json_valid(summary)),
  resumes       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE organisations (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;

-- The latest known list data of each domain (per-run copies live in domain_results).
CREATE TABLE domains (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  display         TEXT NOT NULL,
  organisation_id INTEGER REFERENCES organisations(id),
  sector          TEXT NOT NULL CHECK (sector IN ()sql" NM_SECTOR R"sql()),
  tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags))
) STRICT;

-- One row per domain and run: the verdicts of measurement.md §3 and the list row as it was.
CREATE TABLE domain_results (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  domain_id       INTEGER NOT NULL REFERENCES domains(id),
  seq             INTEGER NOT NULL,
  display         TEXT NOT NULL,
  organisation_id INTEGER REFERENCES organisations(id),
  sector          TEXT NOT NULL CHECK (sector IN ()sql" NM_SECTOR R"sql()),
  tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
  list_line       INTEGER NOT NULL DEFAULT 0,
  mail            TEXT NOT NULL CHECK (mail IN ('receives','null_mx','no_mail','error')),
  dnssec          TEXT NOT NULL CHECK (dnssec IN ('secure','insecure','bogus','error','n/a')),
  starttls        TEXT NOT NULL
                  CHECK (starttls IN ('all','partial','none','unreachable','n/a')),
  dane            TEXT NOT NULL
                  CHECK (dane IN ('valid','invalid','partial','untested','none','n/a')),
  dane_rollover   TEXT NOT NULL CHECK (dane_rollover IN ('yes','no','n/a')),
  protected       INTEGER NOT NULL CHECK (protected IN (0,1)),
  implicit_mx     INTEGER NOT NULL CHECK (implicit_mx IN (0,1)),
  findings        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(findings)),
  written_at      TEXT NOT NULL,
  UNIQUE (run_id, domain_id)
) STRICT;

-- One MX host result of a run, shared by every domain whose MX set names it.
CREATE TABLE mx_hosts (
  id                 INTEGER PRIMARY KEY,
  run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name               TEXT NOT NULL,
  provider           TEXT NOT NULL,
  name_is_ip_literal INTEGER NOT NULL CHECK (name_is_ip_literal IN (0,1)),
  status             TEXT NOT NULL CHECK (status IN ('ok','unusable','no_address','tlsa_error')),
  address_dnssec     TEXT NOT NULL CHECK (address_dnssec IN ()sql" NM_DNS_CLASS R"sql()),
  tlsa_looked_up     INTEGER NOT NULL CHECK (tlsa_looked_up IN (0,1)),
  tlsa_status        TEXT CHECK (tlsa_status IS NULL OR tlsa_status IN ()sql" NM_DNS_CLASS R"sql()),
  tlsa_base          TEXT,
  tlsa_usable        INTEGER,
  content_hash       INTEGER NOT NULL,
  UNIQUE (run_id, name, content_hash)
) STRICT;

-- Which MX hosts a domain has in a run, in preference order.
CREATE TABLE domain_mx (
  domain_result_id INTEGER NOT NULL REFERENCES domain_results(id) ON DELETE CASCADE,
  position         INTEGER NOT NULL,
  mx_host_id       INTEGER NOT NULL REFERENCES mx_hosts(id) ON DELETE CASCADE,
  preference       INTEGER NOT NULL,
  PRIMARY KEY (domain_result_id, position)
) STRICT;

-- Every DNS answer kept as evidence: the domain's MX lookup, a host's A/AAAA and TLSA lookups.
CREATE TABLE dns_answers (
  id               INTEGER PRIMARY KEY,
  domain_result_id INTEGER REFERENCES domain_results(id) ON DELETE CASCADE,
  mx_host_id       INTEGER REFERENCES mx_hosts(id) ON DELETE CASCADE,
  purpose          TEXT NOT NULL CHECK (purpose IN ('mx','address','tlsa')),
  position         INTEGER NOT NULL,
  qname            TEXT NOT NULL,
  qtype            INTEGER NOT NULL,
  class            TEXT NOT NULL CHECK (class IN ()sql" NM_DNS_CLASS R"sql()),
  reason           TEXT NOT NULL CHECK (reason IN ('ok','nxdomain','nodata','bogus','servfail',
                                  'refused','timeout','malformed','cname_loop','error')),
  rcode            INTEGER NOT NULL,
  why_bogus        TEXT NOT NULL DEFAULT '',
  records          TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(records)),
  cname_chain      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(cname_chain)),
  canonical_name   TEXT NOT NULL DEFAULT '',
  CHECK ((domain_result_id IS NULL) <> (mx_host_id IS NULL))
) STRICT;

CREATE TABLE tlsa_records (
  mx_host_id    INTEGER NOT NULL REFERENCES mx_hosts(id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  usage         INTEGER NOT NULL,
  selector      INTEGER NOT NULL,
  matching_type INTEGER NOT NULL,
  data          BLOB NOT NULL,
  usable        INTEGER NOT NULL CHECK (usable IN (0,1)),
  text          TEXT NOT NULL,
  PRIMARY KEY (mx_host_id, position)
) STRICT;

-- One SMTP probe of one address of one host in a run, with its evidence.
CREATE TABLE probes (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  host         TEXT NOT NULL,
  ip           TEXT NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('starttls_ok','no_starttls','starttls_refused',
                 'tls_failed','refused','timeout','smtp_temp_error','smtp_perm_error','reset')),
  tls_version  TEXT NOT NULL DEFAULT '',
  cipher       TEXT NOT NULL DEFAULT '',
  tls_group    TEXT NOT NULL DEFAULT '',
  dane         TEXT NOT NULL CHECK (dane IN ('n/a','authenticated','failed')),
  dane_reason  TEXT NOT NULL CHECK (dane_reason IN ('','no_match','name_mismatch','expired',
                                                    'no_starttls','tls_failed')),
  dane_depth   INTEGER NOT NULL DEFAULT -1,
  dane_matched TEXT NOT NULL DEFAULT '',
  pkix         TEXT NOT NULL CHECK (pkix IN ('n/a','valid','invalid')),
  pkix_error   TEXT NOT NULL DEFAULT '',
  error        TEXT,
  transcript   TEXT NOT NULL DEFAULT '',
  chain        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(chain)),
  leaf_der     BLOB NOT NULL,
  sni          TEXT NOT NULL DEFAULT '',
  attempts     INTEGER NOT NULL DEFAULT 1,
  duration_ms  REAL NOT NULL DEFAULT 0,
  content_hash INTEGER NOT NULL,
  UNIQUE (run_id, host, ip, content_hash)
) STRICT;

-- The addresses of an MX host result, in order, each with the probe that measured it.
CREATE TABLE addresses (
  mx_host_id INTEGER NOT NULL REFERENCES mx_hosts(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  ip         TEXT NOT NULL,
  probe_id   INTEGER NOT NULL REFERENCES probes(id) ON DELETE CASCADE,
  PRIMARY KEY (mx_host_id, position)
) STRICT;
)sql";

constexpr const char* kStep2 = R"sql(
CREATE INDEX domain_results_domain ON domain_results(domain_id, run_id);
CREATE INDEX domain_results_run_sector ON domain_results(run_id, sector);
CREATE INDEX domain_mx_host ON domain_mx(mx_host_id);
CREATE INDEX mx_hosts_run_provider ON mx_hosts(run_id, provider);
CREATE INDEX dns_answers_domain ON dns_answers(domain_result_id) WHERE domain_result_id IS NOT NULL;
CREATE INDEX dns_answers_host ON dns_answers(mx_host_id, purpose, position)
  WHERE mx_host_id IS NOT NULL;
CREATE INDEX addresses_probe ON addresses(probe_id);
CREATE INDEX runs_status ON runs(status, id);

-- Verdicts of every domain in every run, with the organisation and sector of that run's list.
CREATE VIEW v_run_verdicts AS
SELECT dr.run_id, r.started_at AS run_started_at, r.label AS run_label, r.status AS run_status,
       d.id AS domain_id, d.name AS domain, dr.display, o.name AS organisation, dr.sector,
       dr.mail, dr.dnssec, dr.starttls, dr.dane, dr.dane_rollover, dr.protected,
       dr.implicit_mx,
       (SELECT count(*) FROM domain_mx m WHERE m.domain_result_id = dr.id) AS mx_count,
       dr.findings
FROM domain_results dr
JOIN runs r ON r.id = dr.run_id
JOIN domains d ON d.id = dr.domain_id
LEFT JOIN organisations o ON o.id = dr.organisation_id;

-- Per domain: its verdict in the newest FINISHED run that measured it.
CREATE VIEW v_latest_verdict AS
SELECT v.*
FROM v_run_verdicts v
JOIN (SELECT dr.domain_id, max(dr.run_id) AS run_id
      FROM domain_results dr JOIN runs r ON r.id = dr.run_id AND r.status = 'finished'
      GROUP BY dr.domain_id) l
  ON l.domain_id = v.domain_id AND l.run_id = v.run_id;

-- Per run and sector (all five sectors, also when empty): counts of every verdict value.
-- Denominators: `domains` for mail and dnssec; `mail_receives` for starttls and dane (their
-- n/a counts are the domains without mail).
CREATE VIEW v_sector_summary AS
WITH sectors(sector, sector_order) AS (
  VALUES ('rijk',1),('provincie',2),('gemeente',3),('waterschap',4),('overig',5))
SELECT r.id AS run_id, s.sector, s.sector_order,
  count(dr.id) AS domains,
  coalesce(sum(dr.mail = 'receives'), 0) AS mail_receives, coalesce(sum(dr.mail = 'null_mx'), 0) AS mail_null_mx,
  coalesce(sum(dr.mail = 'no_mail'), 0) AS mail_no_mail, coalesce(sum(dr.mail = 'error'), 0) AS mail_error,
  coalesce(sum(dr.dnssec = 'secure'), 0) AS dnssec_secure, coalesce(sum(dr.dnssec = 'insecure'), 0) AS dnssec_insecure,
  coalesce(sum(dr.dnssec = 'bogus'), 0) AS dnssec_bogus, coalesce(sum(dr.dnssec = 'error'), 0) AS dnssec_error,
  coalesce(sum(dr.dnssec = 'n/a'), 0) AS dnssec_na,
  coalesce(sum(dr.starttls = 'all'), 0) AS starttls_all, coalesce(sum(dr.starttls = 'partial'), 0) AS starttls_partial,
  coalesce(sum(dr.starttls = 'none'), 0) AS starttls_none,
  coalesce(sum(dr.starttls = 'unreachable'), 0) AS starttls_unreachable,
  coalesce(sum(dr.starttls = 'n/a'), 0) AS starttls_na,
  coalesce(sum(dr.dane = 'valid'), 0) AS dane_valid, coalesce(sum(dr.dane = 'invalid'), 0) AS dane_invalid,
  coalesce(sum(dr.dane = 'partial'), 0) AS dane_partial, coalesce(sum(dr.dane = 'untested'), 0) AS dane_untested,
  coalesce(sum(dr.dane = 'none'), 0) AS dane_none, coalesce(sum(dr.dane = 'n/a'), 0) AS dane_na,
  coalesce(sum(dr.dane_rollover = 'yes'), 0) AS rollover_yes, coalesce(sum(dr.dane_rollover = 'no'), 0) AS rollover_no,
  coalesce(sum(dr.dane_rollover = 'n/a'), 0) AS rollover_na,
  coalesce(sum(dr.protected = 1), 0) AS protected_yes, coalesce(sum(dr.protected = 0), 0) AS protected_no
FROM runs r
CROSS JOIN sectors s
LEFT JOIN domain_results dr ON dr.run_id = r.id AND dr.sector = s.sector
GROUP BY r.id, s.sector;

-- MX hosts grouped by provider (registrable domain, see README), per run.
CREATE VIEW v_mx_providers AS
SELECT h.run_id, h.provider,
  count(DISTINCT h.name) AS mx_hosts,
  count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
    AS hosts_with_tlsa,
  count(DISTINCT dm.domain_result_id) AS domains,
  count(DISTINCT CASE WHEN dr.dane = 'valid' THEN dr.id END) AS domains_dane_valid,
  count(DISTINCT CASE WHEN dr.protected = 1 THEN dr.id END) AS domains_protected,
  (SELECT count(DISTINCT p.id) FROM mx_hosts h2 JOIN addresses a ON a.mx_host_id = h2.id
     JOIN probes p ON p.id = a.probe_id
   WHERE h2.run_id = h.run_id AND h2.provider = h.provider AND p.dane = 'authenticated')
    AS addresses_authenticated,
  (SELECT count(DISTINCT p.id) FROM mx_hosts h2 JOIN addresses a ON a.mx_host_id = h2.id
     JOIN probes p ON p.id = a.probe_id
   WHERE h2.run_id = h.run_id AND h2.provider = h.provider AND p.dane = 'failed')
    AS addresses_dane_failed,
  CASE
    WHEN count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
         = count(DISTINCT h.name) THEN 'all'
    WHEN count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
         > 0 THEN 'partial'
    ELSE 'none'
  END AS dane_status
FROM mx_hosts h
JOIN domain_mx dm ON dm.mx_host_id = h.id
JOIN domain_results dr ON dr.id = dm.domain_result_id
GROUP BY h.run_id, h.provider;

-- One row per domain, MX host and address (hosts without addresses: one row, address NULL).
CREATE VIEW v_probe_evidence AS
SELECT dr.run_id, d.name AS domain, dm.position AS mx_position, dm.preference,
       h.name AS mx_host, h.provider, h.status AS host_status, h.address_dnssec,
       h.name_is_ip_literal, h.tlsa_looked_up, h.tlsa_status, h.tlsa_base, h.tlsa_usable,
       a.position AS address_position, p.id AS probe_id, p.ip, p.outcome, p.tls_version,
       p.cipher, p.tls_group, p.dane, p.dane_reason, p.dane_depth, p.dane_matched, p.pkix,
       p.pkix_error, p.error, p.sni, p.attempts, p.duration_ms, p.transcript, p.chain
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
JOIN domain_mx dm ON dm.domain_result_id = dr.id
JOIN mx_hosts h ON h.id = dm.mx_host_id
LEFT JOIN addresses a ON a.mx_host_id = h.id
LEFT JOIN probes p ON p.id = a.probe_id;
)sql";

// Step 3 (measurement contract v2): new probe outcomes (protocol_error, not_public, no_route,
// internal_error) and DANE reason tlsa_lookup_failed, which SQLite cannot add to a CHECK in
// place: `probes` is rebuilt (SQLite's documented 12-step procedure: new table, copy, drop,
// rename; migrate() turns foreign keys off around the step, because DROP TABLE with foreign
// keys on would cascade into `addresses`, and runs foreign_key_check before COMMIT). Views that
// name `probes` must go first (RENAME re-parses every view and fails on a dangling one), and
// v_run_verdicts/v_latest_verdict gain `incomplete` and `unmeasured`. New columns:
// dns_answers.attempts (rows of older runs: 1, their client asked once as far as the record
// goes), domain_results.incomplete/unmeasured (JSON arrays, '[]' for older runs), runs.routes
// (the start-up route check, {"ipv4":true,"ipv6":false}; NULL for runs that did not record it).
constexpr const char* kStep3 = R"sql(
DROP VIEW v_latest_verdict;
DROP VIEW v_run_verdicts;
DROP VIEW v_mx_providers;
DROP VIEW v_probe_evidence;

CREATE TABLE probes_v3 (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  host         TEXT NOT NULL,
  ip           TEXT NOT NULL,
  outcome      TEXT NOT NULL CHECK (outcome IN ('starttls_ok','no_starttls','starttls_refused',
                 'tls_failed','refused','timeout','smtp_temp_error','smtp_perm_error','reset',
                 'protocol_error','not_public','no_route','internal_error')),
  tls_version  TEXT NOT NULL DEFAULT '',
  cipher       TEXT NOT NULL DEFAULT '',
  tls_group    TEXT NOT NULL DEFAULT '',
  dane         TEXT NOT NULL CHECK (dane IN ('n/a','authenticated','failed')),
  dane_reason  TEXT NOT NULL CHECK (dane_reason IN ('','no_match','name_mismatch','expired',
                                    'no_starttls','tls_failed','tlsa_lookup_failed')),
  dane_depth   INTEGER NOT NULL DEFAULT -1,
  dane_matched TEXT NOT NULL DEFAULT '',
  pkix         TEXT NOT NULL CHECK (pkix IN ('n/a','valid','invalid')),
  pkix_error   TEXT NOT NULL DEFAULT '',
  error        TEXT,
  transcript   TEXT NOT NULL DEFAULT '',
  chain        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(chain)),
  leaf_der     BLOB NOT NULL,
  sni          TEXT NOT NULL DEFAULT '',
  attempts     INTEGER NOT NULL DEFAULT 1,
  duration_ms  REAL NOT NULL DEFAULT 0,
  content_hash INTEGER NOT NULL,
  UNIQUE (run_id, host, ip, content_hash)
) STRICT;
INSERT INTO probes_v3 (id, run_id, host, ip, outcome, tls_version, cipher, tls_group, dane,
  dane_reason, dane_depth, dane_matched, pkix, pkix_error, error, transcript, chain, leaf_der,
  sni, attempts, duration_ms, content_hash)
SELECT id, run_id, host, ip, outcome, tls_version, cipher, tls_group, dane, dane_reason,
  dane_depth, dane_matched, pkix, pkix_error, error, transcript, chain, leaf_der, sni, attempts,
  duration_ms, content_hash
FROM probes;
DROP TABLE probes;
ALTER TABLE probes_v3 RENAME TO probes;

ALTER TABLE dns_answers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0);
ALTER TABLE domain_results ADD COLUMN incomplete TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(incomplete));
ALTER TABLE domain_results ADD COLUMN unmeasured TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(unmeasured));
ALTER TABLE runs ADD COLUMN routes TEXT CHECK (routes IS NULL OR json_valid(routes));

-- As in step 2, plus `incomplete` (address families lost to no_route) and `unmeasured` (why
-- the verdicts are not a measurement), appended so that positional readers keep working.
CREATE VIEW v_run_verdicts AS
SELECT dr.run_id, r.started_at AS run_started_at, r.label AS run_label, r.status AS run_status,
       d.id AS domain_id, d.name AS domain, dr.display, o.name AS organisation, dr.sector,
       dr.mail, dr.dnssec, dr.starttls, dr.dane, dr.dane_rollover, dr.protected,
       dr.implicit_mx,
       (SELECT count(*) FROM domain_mx m WHERE m.domain_result_id = dr.id) AS mx_count,
       dr.findings, dr.incomplete, dr.unmeasured
FROM domain_results dr
JOIN runs r ON r.id = dr.run_id
JOIN domains d ON d.id = dr.domain_id
LEFT JOIN organisations o ON o.id = dr.organisation_id;

CREATE VIEW v_latest_verdict AS
SELECT v.*
FROM v_run_verdicts v
JOIN (SELECT dr.domain_id, max(dr.run_id) AS run_id
      FROM domain_results dr JOIN runs r ON r.id = dr.run_id AND r.status = 'finished'
      GROUP BY dr.domain_id) l
  ON l.domain_id = v.domain_id AND l.run_id = v.run_id;

-- Unchanged from step 2 (recreated because it names `probes`).
CREATE VIEW v_mx_providers AS
SELECT h.run_id, h.provider,
  count(DISTINCT h.name) AS mx_hosts,
  count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
    AS hosts_with_tlsa,
  count(DISTINCT dm.domain_result_id) AS domains,
  count(DISTINCT CASE WHEN dr.dane = 'valid' THEN dr.id END) AS domains_dane_valid,
  count(DISTINCT CASE WHEN dr.protected = 1 THEN dr.id END) AS domains_protected,
  (SELECT count(DISTINCT p.id) FROM mx_hosts h2 JOIN addresses a ON a.mx_host_id = h2.id
     JOIN probes p ON p.id = a.probe_id
   WHERE h2.run_id = h.run_id AND h2.provider = h.provider AND p.dane = 'authenticated')
    AS addresses_authenticated,
  (SELECT count(DISTINCT p.id) FROM mx_hosts h2 JOIN addresses a ON a.mx_host_id = h2.id
     JOIN probes p ON p.id = a.probe_id
   WHERE h2.run_id = h.run_id AND h2.provider = h.provider AND p.dane = 'failed')
    AS addresses_dane_failed,
  CASE
    WHEN count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
         = count(DISTINCT h.name) THEN 'all'
    WHEN count(DISTINCT CASE WHEN h.tlsa_status = 'secure' AND h.tlsa_usable > 0 THEN h.name END)
         > 0 THEN 'partial'
    ELSE 'none'
  END AS dane_status
FROM mx_hosts h
JOIN domain_mx dm ON dm.mx_host_id = h.id
JOIN domain_results dr ON dr.id = dm.domain_result_id
GROUP BY h.run_id, h.provider;

-- Unchanged from step 2 (recreated because it names `probes`).
CREATE VIEW v_probe_evidence AS
SELECT dr.run_id, d.name AS domain, dm.position AS mx_position, dm.preference,
       h.name AS mx_host, h.provider, h.status AS host_status, h.address_dnssec,
       h.name_is_ip_literal, h.tlsa_looked_up, h.tlsa_status, h.tlsa_base, h.tlsa_usable,
       a.position AS address_position, p.id AS probe_id, p.ip, p.outcome, p.tls_version,
       p.cipher, p.tls_group, p.dane, p.dane_reason, p.dane_depth, p.dane_matched, p.pkix,
       p.pkix_error, p.error, p.sni, p.attempts, p.duration_ms, p.transcript, p.chain
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
JOIN domain_mx dm ON dm.domain_result_id = dr.id
JOIN mx_hosts h ON h.id = dm.mx_host_id
LEFT JOIN addresses a ON a.mx_host_id = h.id
LEFT JOIN probes p ON p.id = a.probe_id;
)sql";

// Schema step: tls quality (measurement.md §3, §4). Per address, the graded TLS assessment:
// probes.tls_quality (the address's value; 'n/a' when not assessed) and probes.tls (a JSON
// object with the assessment's other evidence: versions_accepted, preferred_suite, dh_group,
// client_renegotiation, connections, unknown_reasons; NULL when not assessed); one tls_items
// row per item (state, value, found as a JSON array). domain_results.tls_quality: older runs
// measured no TLS quality, so a domain receiving mail with a starttls_ok address becomes
// 'incomplete' (§3: not fully assessed) and every other one 'n/a', which is what the rules give
// for that evidence. v_run_verdicts/v_latest_verdict gain tls_quality (appended),
// v_probe_evidence gains tls_quality and tls; v_tls_items is for ad-hoc SQL.
constexpr const char* kStepTlsQuality = R"sql(
DROP VIEW v_latest_verdict;
DROP VIEW v_run_verdicts;
DROP VIEW v_probe_evidence;

ALTER TABLE probes ADD COLUMN tls_quality TEXT NOT NULL DEFAULT 'n/a'
  CHECK (tls_quality IN ('good','sufficient','phase_out','insufficient','incomplete','n/a'));
ALTER TABLE probes ADD COLUMN tls TEXT CHECK (tls IS NULL OR json_valid(tls));

CREATE TABLE tls_items (
  probe_id INTEGER NOT NULL REFERENCES probes(id) ON DELETE CASCADE,
  item     TEXT NOT NULL CHECK (item IN ('protocol_versions','tls13_suites','tls12_suites',
             'ecdhe_groups','ffdhe_groups','kex_hashes','cert_keys','cert_signatures',
             'cipher_order','compression','secure_renegotiation','extended_master_secret')),
  position INTEGER NOT NULL,
  state    TEXT NOT NULL CHECK (state IN ('measured','unknown','n/a')),
  value    TEXT NOT NULL
    CHECK (value IN ('good','sufficient','phase_out','insufficient','incomplete','n/a')),
  found    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(found)),
  PRIMARY KEY (probe_id, item)
) STRICT, WITHOUT ROWID;

ALTER TABLE domain_results ADD COLUMN tls_quality TEXT NOT NULL DEFAULT 'n/a'
  CHECK (tls_quality IN ('good','sufficient','phase_out','insufficient','incomplete','n/a'));
UPDATE domain_results SET tls_quality = 'incomplete'
WHERE mail = 'receives' AND EXISTS (
  SELECT 1 FROM domain_mx dm JOIN addresses a ON a.mx_host_id = dm.mx_host_id
  JOIN probes p ON p.id = a.probe_id
  WHERE dm.domain_result_id = domain_results.id AND p.outcome = 'starttls_ok');

-- As in step 3, plus tls_quality, appended so that positional readers keep working.
CREATE VIEW v_run_verdicts AS
SELECT dr.run_id, r.started_at AS run_started_at, r.label AS run_label, r.status AS run_status,
       d.id AS domain_id, d.name AS domain, dr.display, o.name AS organisation, dr.sector,
       dr.mail, dr.dnssec, dr.starttls, dr.dane, dr.dane_rollover, dr.protected,
       dr.implicit_mx,
       (SELECT count(*) FROM domain_mx m WHERE m.domain_result_id = dr.id) AS mx_count,
       dr.findings, dr.incomplete, dr.unmeasured, dr.tls_quality
FROM domain_results dr
JOIN runs r ON r.id = dr.run_id
JOIN domains d ON d.id = dr.domain_id
LEFT JOIN organisations o ON o.id = dr.organisation_id;

CREATE VIEW v_latest_verdict AS
SELECT v.*
FROM v_run_verdicts v
JOIN (SELECT dr.domain_id, max(dr.run_id) AS run_id
      FROM domain_results dr JOIN runs r ON r.id = dr.run_id AND r.status = 'finished'
      GROUP BY dr.domain_id) l
  ON l.domain_id = v.domain_id AND l.run_id = v.run_id;

-- As in step 3, plus the address's tls_quality and TLS evidence.
CREATE VIEW v_probe_evidence AS
SELECT dr.run_id, d.name AS domain, dm.position AS mx_position, dm.preference,
       h.name AS mx_host, h.provider, h.status AS host_status, h.address_dnssec,
       h.name_is_ip_literal, h.tlsa_looked_up, h.tlsa_status, h.tlsa_base, h.tlsa_usable,
       a.position AS address_position, p.id AS probe_id, p.ip, p.outcome, p.tls_version,
       p.cipher, p.tls_group, p.dane, p.dane_reason, p.dane_depth, p.dane_matched, p.pkix,
       p.pkix_error, p.error, p.sni, p.attempts, p.duration_ms, p.transcript, p.chain,
       p.tls_quality, p.tls
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
JOIN domain_mx dm ON dm.domain_result_id = dr.id
JOIN mx_hosts h ON h.id = dm.mx_host_id
LEFT JOIN addresses a ON a.mx_host_id = h.id
LEFT JOIN probes p ON p.id = a.probe_id;

-- One row per (run, domain, MX host, address, item): which items an address fails, by SQL.
CREATE VIEW v_tls_items AS
SELECT dr.run_id AS run, d.name AS domain, h.name AS host, p.ip, t.item, t.state, t.value,
       t.found, p.tls_quality AS address_tls_quality
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
JOIN domain_mx dm ON dm.domain_result_id = dr.id
JOIN mx_hosts h ON h.id = dm.mx_host_id
JOIN addresses a ON a.mx_host_id = h.id
JOIN probes p ON p.id = a.probe_id
JOIN tls_items t ON t.probe_id = p.id;
)sql";

// schema step: mta-sts (measurement.md §5, issue 16). The domain's `mta_sts` verdict beside the
// other verdicts, its evidence in a table of its own (one row per domain result that was looked
// up: the TXT answer and the mta-sts host's A/AAAA answers as JSON, the fetch, the policy text,
// what the verdict read from it), and the view `v_mta_sts` for ad-hoc SQL. Self-contained: it
// recreates no existing view.
constexpr const char* step_mta_sts() {
  return R"sql(
ALTER TABLE domain_results ADD COLUMN mta_sts TEXT NOT NULL DEFAULT 'n/a'
  CHECK (mta_sts IN ('enforce','testing','none','invalid','error','n/a'));

CREATE TABLE mta_sts (
  domain_result_id INTEGER PRIMARY KEY REFERENCES domain_results(id) ON DELETE CASCADE,
  txt              TEXT NOT NULL CHECK (json_valid(txt)),           -- DNS answer at _mta-sts.D
  host_lookups     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(host_lookups)),
  fetch            TEXT NOT NULL CHECK (fetch IN ('not_fetched','ok','dns_error','no_address',
                     'not_public','refused','timeout','tls_failed','certificate','redirect',
                     'too_large','error')),
  ip               TEXT NOT NULL DEFAULT '',
  http_status      INTEGER NOT NULL DEFAULT 0,
  content_type     TEXT NOT NULL DEFAULT '',
  fetch_error      TEXT NOT NULL DEFAULT '',
  policy_text      TEXT NOT NULL DEFAULT '',
  policy_id        TEXT NOT NULL DEFAULT '',
  mode             TEXT NOT NULL DEFAULT '',
  max_age          INTEGER,
  mx_patterns      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(mx_patterns)),
  mx_not_matching  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(mx_not_matching)),
  reason           TEXT NOT NULL DEFAULT ''
);

CREATE VIEW v_mta_sts AS
SELECT dr.run_id, d.name AS domain, dr.sector, dr.mail, dr.mta_sts,
       m.reason AS mta_sts_reason, m.policy_id, m.fetch, m.http_status, m.content_type,
       m.mode, m.max_age, m.mx_patterns, m.mx_not_matching, m.ip, m.fetch_error, m.policy_text
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
LEFT JOIN mta_sts m ON m.domain_result_id = dr.id;
)sql";
}

// Schema step: mail standards (measurement.md §5: spf, spf_policy, dmarc, dmarc_policy, dkim,
// tls_rpt; MTA-STS has its own step 5). One column per verdict, NULL for rows of runs from
// before these standards were measured (the verdicts were not asked, so there is no value to
// give them), and `mail_standards`, the evidence as JSON (codec.cpp: every TXT answer read, the
// SPF trace and counts, the DMARC and TLS-RPT records and reasons). v_run_verdicts and
// v_latest_verdict gain the six verdicts and mta_sts (step 5 left the views alone), appended
// after step 4's tls_quality so that positional readers keep working;
// v_mail_standards shows verdicts, records and reasons side by side for ad-hoc SQL.
constexpr const char* kStepMailStandards = R"sql(
DROP VIEW v_latest_verdict;
DROP VIEW v_run_verdicts;

ALTER TABLE domain_results ADD COLUMN spf TEXT
  CHECK (spf IS NULL OR spf IN ('valid','invalid','none','error'));
ALTER TABLE domain_results ADD COLUMN spf_policy TEXT
  CHECK (spf_policy IS NULL OR spf_policy IN ('strict','soft','open','n/a'));
ALTER TABLE domain_results ADD COLUMN dmarc TEXT
  CHECK (dmarc IS NULL OR dmarc IN ('valid','invalid','none','error'));
ALTER TABLE domain_results ADD COLUMN dmarc_policy TEXT
  CHECK (dmarc_policy IS NULL OR dmarc_policy IN ('reject','quarantine','none','n/a'));
ALTER TABLE domain_results ADD COLUMN dkim TEXT
  CHECK (dkim IS NULL OR dkim IN ('present','absent','error'));
ALTER TABLE domain_results ADD COLUMN tls_rpt TEXT
  CHECK (tls_rpt IS NULL OR tls_rpt IN ('valid','invalid','none','error','n/a'));
ALTER TABLE domain_results ADD COLUMN mail_standards TEXT
  CHECK (mail_standards IS NULL OR json_valid(mail_standards));

CREATE VIEW v_run_verdicts AS
SELECT dr.run_id, r.started_at AS run_started_at, r.label AS run_label, r.status AS run_status,
       d.id AS domain_id, d.name AS domain, dr.display, o.name AS organisation, dr.sector,
       dr.mail, dr.dnssec, dr.starttls, dr.dane, dr.dane_rollover, dr.protected,
       dr.implicit_mx,
       (SELECT count(*) FROM domain_mx m WHERE m.domain_result_id = dr.id) AS mx_count,
       dr.findings, dr.incomplete, dr.unmeasured, dr.tls_quality,
       dr.spf, dr.spf_policy, dr.dmarc, dr.dmarc_policy, dr.dkim, dr.tls_rpt, dr.mta_sts
FROM domain_results dr
JOIN runs r ON r.id = dr.run_id
JOIN domains d ON d.id = dr.domain_id
LEFT JOIN organisations o ON o.id = dr.organisation_id;

CREATE VIEW v_latest_verdict AS
SELECT v.*
FROM v_run_verdicts v
JOIN (SELECT dr.domain_id, max(dr.run_id) AS run_id
      FROM domain_results dr JOIN runs r ON r.id = dr.run_id AND r.status = 'finished'
      GROUP BY dr.domain_id) l
  ON l.domain_id = v.domain_id AND l.run_id = v.run_id;

-- The §5 verdicts with the records they read and why (runs that measured them).
CREATE VIEW v_mail_standards AS
SELECT dr.run_id, d.name AS domain, dr.sector, dr.mail,
       dr.spf, dr.spf_policy, dr.mail_standards ->> '$.spf_record' AS spf_record,
       dr.mail_standards ->> '$.spf_dns_terms' AS spf_dns_terms,
       dr.mail_standards ->> '$.spf_void_lookups' AS spf_void_lookups,
       dr.mail_standards ->> '$.spf_reason' AS spf_reason,
       dr.dmarc, dr.dmarc_policy, dr.mail_standards ->> '$.dmarc_record' AS dmarc_record,
       dr.mail_standards ->> '$.dmarc_from_org' AS dmarc_from_org,
       dr.mail_standards ->> '$.org_domain' AS org_domain,
       dr.mail_standards ->> '$.dmarc_pct' AS dmarc_pct,
       dr.mail_standards ->> '$.dmarc_sp' AS dmarc_sp,
       dr.mail_standards ->> '$.dmarc_rua' AS dmarc_rua,
       dr.mail_standards ->> '$.dmarc_reason' AS dmarc_reason,
       dr.dkim,
       dr.tls_rpt, dr.mail_standards ->> '$.tls_rpt_record' AS tls_rpt_record,
       dr.mail_standards ->> '$.tls_rpt_reason' AS tls_rpt_reason
FROM domain_results dr
JOIN domains d ON d.id = dr.domain_id
WHERE dr.mail_standards IS NOT NULL;
)sql";

// Schema step: sharding (issue 17, docs/decisions/sharding.md). What `merge` checks before it
// combines shard databases: the measurement contract a run was measured under, the shard it
// measured (I of N, NULL for a run of the whole list) and the digest of the plan it followed;
// a merged run records N, the plan digest and its shards (merged_from: a JSON object with the
// merge key and one entry per shard). Runs of older schemas read NULL: not recorded.
// Self-contained: new columns only, no view recreated.
constexpr const char* step_sharding() {
  return R"sql(
ALTER TABLE runs ADD COLUMN contract_version INTEGER;
ALTER TABLE runs ADD COLUMN shard_index INTEGER CHECK (shard_index IS NULL OR shard_index >= 0);
ALTER TABLE runs ADD COLUMN shard_count INTEGER CHECK (shard_count IS NULL OR shard_count >= 1);
ALTER TABLE runs ADD COLUMN plan_digest TEXT;
ALTER TABLE runs ADD COLUMN merged_from TEXT
  CHECK (merged_from IS NULL OR json_valid(merged_from));
)sql";
}

constexpr std::array<const char*, kSchemaVersion> kSteps{
    kStep1, kStep2, kStep3, kStepTlsQuality, step_mta_sts(), kStepMailStandards, step_sharding()};

bool looks_like_ip(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return true;
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  return true;
}

}  // namespace

std::string provider_domain(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string name(host);
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (looks_like_ip(name)) return name;
  // The registrable domain by the ICANN section of the Public Suffix List (libpsl; the `*`
  // rule for an unknown TLD): the longest public suffix plus one label. ICANN only, so that a
  // hosting company's private suffix (PRIVATE section) does not split its customers' MX hosts
  // into one "provider" each.
  static const psl_ctx_t* psl = [] {
    const psl_ctx_t* p = psl_latest(nullptr);
    return p ? p : psl_builtin();
  }();
  if (!psl) return name;
  for (std::size_t start = 0;;) {
    const std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) return name;  // the name itself is a public suffix
    if (psl_is_public_suffix2(psl, name.c_str() + dot + 1, PSL_TYPE_ICANN))
      return name.substr(start);
    start = dot + 1;
  }
}

std::string now_iso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::Running:
      return "running";
    case RunStatus::Finished:
      return "finished";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Aborted:
      return "aborted";
  }
  return "?";
}

std::optional<RunStatus> parse_run_status(std::string_view s) {
  for (auto v : {RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Aborted})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

namespace detail {

int user_version(sqlite3* db) {
  Stmt s(db, "PRAGMA user_version");
  s.step();
  return s.i32(0);
}

namespace {
// Foreign keys are off while steps run (a table rebuild drops a table that others reference;
// with foreign keys on, DROP TABLE would delete the referencing rows through ON DELETE
// CASCADE). The pragma is a no-op inside a transaction, so it is switched here, outside, and
// switched back on every way out. Each step checks the keys itself before it commits.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(sqlite3* db) : db_(db) { exec(db_, "PRAGMA foreign_keys = OFF"); }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
  ~ForeignKeysOff() { sqlite3_exec(db_, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_;
};

void check_foreign_keys(sqlite3* db, int step) {
  Stmt fk(db, "PRAGMA foreign_key_check");
  if (fk.step())
    throw StorageFailure(
        {StorageError::Kind::BadDatabase, "schema migration step " + std::to_string(step) +
                                              " left a dangling reference in table " + fk.text(0) +
                                              " (nothing changed; the database is as it was)"});
}
}  // namespace

void migrate(sqlite3* db, int target) {
  // Fast path without the write lock: a reader opening a current database while a scan
  // writes must not queue behind the writer.
  if (int v = user_version(db); v == target) return;
  ForeignKeysOff fk_off(db);
  for (;;) {
    exec(db, "BEGIN IMMEDIATE");
    try {
      int v = user_version(db);  // read inside the lock: another process may have migrated
      if (v > kSchemaVersion) {
        exec(db, "ROLLBACK");
        throw StorageFailure(
            {StorageError::Kind::NewerSchema, "database schema version " + std::to_string(v) +
                                                  " is newer than this nulmeting supports (" +
                                                  std::to_string(kSchemaVersion) +
                                                  "); use a newer nulmeting for this database"});
      }
      if (v >= target) {
        exec(db, "COMMIT");
        return;
      }
      if (v == 0) {
        // A version-0 file must be empty: refuse to add tables to someone else's database.
        Stmt c(db, "SELECT count(*) FROM sqlite_schema");
        c.step();
        if (c.i64(0) != 0) {
          exec(db, "ROLLBACK");
          throw StorageFailure({StorageError::Kind::BadDatabase,
                                "not a nulmeting database (it has tables but no schema version)"});
        }
      }
      exec(db, kSteps[static_cast<std::size_t>(v)]);
      check_foreign_keys(db, v + 1);
      exec(db, ("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      exec(db, "COMMIT");
    } catch (...) {
      // Also after a StorageFailure thrown mid-step; harmless when already rolled back.
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

namespace {
// A file that is not SQLite (or is damaged) fails on its first read or pragma: say so in the
// caller's terms (StorageError BadDatabase) instead of SQLite's. Called from a catch block:
// any other error is rethrown as it is (`throw;`).
[[noreturn]] void rethrow_not_a_database(const SqlError& e, const std::string& path) {
  const int primary = e.code() & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    throw StorageFailure({StorageError::Kind::BadDatabase,
                          "not a SQLite database: " + path + " (" + e.what() + ")"});
  throw;
}
}  // namespace

SqlitePtr open_database(const std::string& path, OpenMode mode, int target) {
  if (mode != OpenMode::CreateIfMissing) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw StorageFailure({StorageError::Kind::NotFound, "database not found: " + path});
  }
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
              (mode == OpenMode::CreateIfMissing ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) {
    throw StorageFailure(
        {rc == SQLITE_CANTOPEN ? StorageError::Kind::NotFound : StorageError::Kind::BadDatabase,
         "cannot open database " + path + ": " +
             (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))});
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 10000);
  try {
    // Reading the schema first turns "file is not a database" into a clear error.
    exec(db.get(), "SELECT count(*) FROM sqlite_schema");
  } catch (const SqlError& e) {
    rethrow_not_a_database(e, path);
  }
  // Before any pragma that writes (journal_mode=WAL writes the header of an empty file).
  if (mode == OpenMode::ExistingSchema && user_version(db.get()) == 0) {
    Stmt c(db.get(), "SELECT count(*) FROM sqlite_schema");
    c.step();
    throw StorageFailure({StorageError::Kind::BadDatabase,
                          c.i64(0) == 0 ? "empty database, no nulmeting schema: " + path
                                        : "not a nulmeting database (no schema version): " + path});
  }
  try {
    {
      Stmt wal(db.get(), "PRAGMA journal_mode = WAL");
      wal.step();
    }
    exec(db.get(), "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  } catch (const SqlError& e) {
    rethrow_not_a_database(e, path);
  }
  migrate(db.get(), target);
  return db;
}

StorageError to_storage_error(const std::exception& e) {
  if (const auto* f = dynamic_cast<const StorageFailure*>(&e)) return f->error;
  if (const auto* s = dynamic_cast<const SqlError*>(&e)) {
    switch (s->code() & 0xff) {
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return {StorageError::Kind::BadDatabase, s->what()};
      case SQLITE_FULL:
      case SQLITE_IOERR:
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_READONLY:
      case SQLITE_PERM:
      case SQLITE_CANTOPEN:
        return {StorageError::Kind::Io, s->what()};
      default:
        return {StorageError::Kind::Internal, s->what()};
    }
  }
  return {StorageError::Kind::Internal, e.what()};
}

}  // namespace detail
}  // namespace nulmeting::storage
