// texts.cpp — the Dutch and English texts of texts.hpp.
#include "texts.hpp"

namespace nulmeting::reports {
namespace {

const Texts kNl{
    .html_lang = "nl",
    .title = "STARTTLS en DANE bij de overheid: adoptie per sector",
    .subtitle_run = "Meting",
    .compared_with = "vergeleken met meting",
    .generated_by = "Gemaakt met",
    .unfinished = "niet afgerond",
    .t_headline = "Kerncijfers",
    .n_headline = "Aandelen zijn van de domeinen die mail ontvangen (mail = receives).",
    .metric = "Kengetal",
    .count = "Aantal",
    .of = "Van",
    .share = "%",
    .domains_measured = "Domeinen gemeten",
    .receives_mail = "Ontvangt mail",
    .starttls_all = "STARTTLS op alle MX",
    .dane_valid = "DANE geldig",
    .protected_ = "Beschermd (DNSSEC + DANE)",
    .dnssec_signed = "DNSSEC-ondertekend",
    .t_sectors = "Per sector",
    .n_sectors =
        "Percentages zijn van 'Ontvangt mail', die van SPF, DMARC en DKIM van de gemeten "
        "domeinen zonder DNS-fout. Null MX, geen mail en fouten staan in eigen kolommen; DANE "
        "'untested': een MX met TLSA was onbereikbaar.",
    .sector = "Sector",
    .total = "Totaal",
    .domains = "Domeinen",
    .null_mx = "Null MX",
    .no_mail = "Geen mail",
    .mail_error = "DNS-fout",
    .starttls_partial = "STARTTLS deels",
    .starttls_none = "Geen STARTTLS",
    .unreachable = "Onbereikbaar",
    .dane_invalid = "DANE ongeldig",
    .dane_partial = "DANE deels",
    .dane_untested = "DANE niet getest",
    .dane_none = "Geen DANE",
    .rollover = "Rollover gereed",
    .t_causes = "Oorzaken",
    .n_causes =
        "Per domein dat mail ontvangt maar niet beschermd is telt één oorzaak: de "
        "eerste die geldt, in de volgorde van de kolommen.",
    .not_protected = "Niet beschermd",
    .t_providers = "Mailaanbieders",
    .n_providers =
        "MX-hosts gegroepeerd per registreerbaar domein; 'Domeinen' telt de "
        "gemeten domeinen met minstens één MX bij deze aanbieder.",
    .provider = "Aanbieder",
    .mx_hosts = "MX-hosts",
    .hosts_with_tlsa = "Hosts met TLSA",
    .dane_status = "DANE-status",
    .protected_domains = "Beschermde domeinen",
    .host_names = "Hostnamen",
    .t_domains = "Per organisatie",
    .n_domains = "Elk gemeten domein met zijn oordelen en de reden.",
    .organization = "Organisatie",
    .domain = "Domein",
    .mail = "mail",
    .dnssec = "dnssec",
    .starttls = "starttls",
    .dane = "dane",
    .protected_col = "protected",
    .cause = "Oorzaak",
    .reason = "Reden",
    .mx = "MX",
    .t_changes = "Wijzigingen",
    .n_changes =
        "Niveau: 3 beschermd, 2 DANE geldig, 1 STARTTLS op alle MX, 0 anders. "
        "Verbeterd of verslechterd betekent een ander niveau.",
    .n_changes_none = "Geen vergelijkingsmeting gekozen (--compare).",
    .change = "Wijziging",
    .before = "Voor",
    .after = "Na",
    .t_trend = "Trend",
    .n_trend = "Alle metingen in de database; percentages van 'Ontvangt mail'.",
    .run = "Meting",
    .started = "Gestart",
    .label = "Label",
    .c_starttls = "STARTTLS op de MX-hosts",
    .c_dane = "DANE",
    .c_protected = "Beschermd (DNSSEC en DANE geldig)",
    .c_causes = "Waarom niet beschermd?",
    .c_trend = "Trend per sector",
    .c_providers = "Grootste mailaanbieders: domeinen per aanbieder, kleur = DANE-status",
    .domains_short = "domeinen",
    .protected_short = "beschermd",
    .yes = "ja",
    .no = "nee",
    .legend_of = "van",
    .definitions = "Definities van de oorzaken",
    .rows_hidden = "rijen: klik om de tabel te tonen (dezelfde tabel staat in XLSX en CSV)",
    .rows_split =
        "De tabel per organisatie heeft {} rijen, te veel voor een webpagina. Ze staat "
        "in het CSV-bestand naast dit rapport (te openen in een spreadsheet) en in het "
        "XLSX-rapport:",
    .rows_split_link = "tabel per organisatie (CSV)",
    .cause_label = {"TLSA-opzoekfout", "Onbereikbaar", "Geen STARTTLS", "TLS-fout",
                    "TLSA klopt niet", "Zone onveilig", "Geen TLSA", "Overig"},
    .cause_def =
        {"Het opzoeken van TLSA mislukte (bogus, servfail, timeout): de host is onbruikbaar "
         "en DANE ongeldig.",
         "Geen enkel adres van de MX-hosts antwoordde (starttls = unreachable).",
         "Een bereikt adres bood geen STARTTLS aan of weigerde het.",
         "Een bereikt adres bood STARTTLS aan, maar de TLS-handshake mislukte.",
         "TLSA gepubliceerd, maar het certificaat paste er niet bij (dane = invalid).",
         "Het MX-antwoord is niet DNSSEC-veilig (niet ondertekend, bogus of fout).",
         "Ondertekend, maar geen bruikbare TLSA op een of alle MX-hosts (dane = none/partial).",
         "Geen van de bovenstaande, bijvoorbeeld dane = untested door een time-out."},
    .change_label = {"verbeterd", "verslechterd", "nieuw", "verdwenen"},
    .provider_dane = {"geldig", "deels", "ongeldig", "geen"},
    .tls_conform = "STARTTLS conform NCSC",
    .tls_phase_out = "TLS uit te faseren",
    .tls_insufficient = "TLS onvoldoende",
    .tls_incomplete = "TLS niet volledig gemeten",
    .t_tls_items = "TLS-kwaliteit per onderdeel",
    .n_tls_items =
        "STARTTLS conform NCSC: tls_quality good of sufficient (NCSC TLS-richtlijnen 2025-05), "
        "van 'Ontvangt mail'. Per onderdeel het aantal domeinen waarvan een adres met STARTTLS "
        "dat onderdeel niet haalt (phase_out of insufficient).",
    .tls_assessed = "Domeinen gemeten op TLS",
    .spf_strict = "SPF strikt (-all)",
    .dmarc_enforced = "DMARC quarantine/reject",
    .dkim_present = "DKIM aanwezig",
    .tls_rpt_valid = "TLS-RPT geldig",
    .agreements = "Voldoet aan de e-mailafspraken",
    .mta_sts_enforce = "MTA-STS afgedwongen (enforce)",
};

const Texts kEn{
    .html_lang = "en",
    .title = "STARTTLS and DANE in government: adoption per sector",
    .subtitle_run = "Run",
    .compared_with = "compared with run",
    .generated_by = "Made with",
    .unfinished = "not finished",
    .t_headline = "Headline figures",
    .n_headline = "Shares are of the domains that receive mail (mail = receives).",
    .metric = "Figure",
    .count = "Count",
    .of = "Of",
    .share = "%",
    .domains_measured = "Domains measured",
    .receives_mail = "Receives mail",
    .starttls_all = "STARTTLS on all MX",
    .dane_valid = "DANE valid",
    .protected_ = "Protected (DNSSEC + DANE)",
    .dnssec_signed = "DNSSEC-signed",
    .t_sectors = "Per sector",
    .n_sectors =
        "Percentages are of 'Receives mail', those of SPF, DMARC and DKIM of the measured "
        "domains without a DNS error. Null MX, no mail and errors have their own columns; DANE "
        "'untested': an MX host with TLSA was unreachable.",
    .sector = "Sector",
    .total = "Total",
    .domains = "Domains",
    .null_mx = "Null MX",
    .no_mail = "No mail",
    .mail_error = "DNS error",
    .starttls_partial = "STARTTLS partial",
    .starttls_none = "No STARTTLS",
    .unreachable = "Unreachable",
    .dane_invalid = "DANE invalid",
    .dane_partial = "DANE partial",
    .dane_untested = "DANE untested",
    .dane_none = "No DANE",
    .rollover = "Rollover ready",
    .t_causes = "Causes",
    .n_causes =
        "Each domain that receives mail but is not protected counts one cause: the "
        "first that applies, in column order.",
    .not_protected = "Not protected",
    .t_providers = "Mail providers",
    .n_providers =
        "MX hosts grouped by registrable domain; 'Domains' counts the measured "
        "domains with at least one MX host at this provider.",
    .provider = "Provider",
    .mx_hosts = "MX hosts",
    .hosts_with_tlsa = "Hosts with TLSA",
    .dane_status = "DANE status",
    .protected_domains = "Protected domains",
    .host_names = "Host names",
    .t_domains = "Per organisation",
    .n_domains = "Every measured domain with its verdicts and the reason.",
    .organization = "Organisation",
    .domain = "Domain",
    .mail = "mail",
    .dnssec = "dnssec",
    .starttls = "starttls",
    .dane = "dane",
    .protected_col = "protected",
    .cause = "Cause",
    .reason = "Reason",
    .mx = "MX",
    .t_changes = "Changes",
    .n_changes =
        "Level: 3 protected, 2 DANE valid, 1 STARTTLS on all MX, 0 otherwise. "
        "Improved or regressed means a different level.",
    .n_changes_none = "No run to compare with was chosen (--compare).",
    .change = "Change",
    .before = "Before",
    .after = "After",
    .t_trend = "Trend",
    .n_trend = "Every run in the database; percentages of 'Receives mail'.",
    .run = "Run",
    .started = "Started",
    .label = "Label",
    .c_starttls = "STARTTLS on the MX hosts",
    .c_dane = "DANE",
    .c_protected = "Protected (DNSSEC and DANE valid)",
    .c_causes = "Why not protected?",
    .c_trend = "Trend per sector",
    .c_providers = "Largest mail providers: domains per provider, colour = DANE status",
    .domains_short = "domains",
    .protected_short = "protected",
    .yes = "yes",
    .no = "no",
    .legend_of = "of",
    .definitions = "Definitions of the causes",
    .rows_hidden = "rows: click to show the table (the same table is in XLSX and CSV)",
    .rows_split =
        "The per-organisation table has {} rows, too many for a web page. It is in the "
        "CSV file beside this report (opens in a spreadsheet) and in the XLSX report:",
    .rows_split_link = "per-organisation table (CSV)",
    .cause_label = {"TLSA lookup failure", "Unreachable", "No STARTTLS", "TLS failure",
                    "TLSA mismatch", "Insecure zone", "No TLSA", "Other"},
    .cause_def = {"A TLSA lookup failed (bogus, servfail, timeout): the host is unusable and "
                  "DANE invalid.",
                  "No address of the MX hosts answered (starttls = unreachable).",
                  "A reached address did not offer STARTTLS or refused it.",
                  "A reached address offered STARTTLS but the TLS handshake failed.",
                  "TLSA published but the certificate did not match (dane = invalid).",
                  "The MX answer is not DNSSEC-secure (unsigned, bogus or failed).",
                  "Signed, but no usable TLSA on some or all MX hosts (dane = none/partial).",
                  "None of the above, for example dane = untested after a timeout."},
    .change_label = {"improved", "regressed", "added", "removed"},
    .provider_dane = {"valid", "partial", "invalid", "none"},
    .tls_conform = "STARTTLS conform NCSC",
    .tls_phase_out = "TLS phase out",
    .tls_insufficient = "TLS insufficient",
    .tls_incomplete = "TLS not fully assessed",
    .t_tls_items = "TLS quality per item",
    .n_tls_items =
        "STARTTLS conform NCSC: tls_quality good or sufficient (NCSC TLS guidelines 2025-05), of "
        "'Receives mail'. Per item the number of domains with a STARTTLS address that fails it "
        "(phase_out or insufficient).",
    .tls_assessed = "Domains assessed for TLS",
    .spf_strict = "SPF strict (-all)",
    .dmarc_enforced = "DMARC quarantine/reject",
    .dkim_present = "DKIM present",
    .tls_rpt_valid = "TLS-RPT valid",
    .agreements = "Meets the mail agreements",
    .mta_sts_enforce = "MTA-STS enforce",
};

}  // namespace

const Texts& texts(Lang l) { return l == Lang::En ? kEn : kNl; }

std::string_view sector_label(Lang l, Sector s) {
  return l == Lang::En ? sector_label_en(s) : sector_label_nl(s);
}

}  // namespace nulmeting::reports
