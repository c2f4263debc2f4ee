"""Every label a planner reads, in English and German, from one dictionary.

German is the planners' language (the Jobcenter's own terms: Integrationsquote,
Langzeitleistungsbeziehende, eLb-Bestand, Wartezeit, Eintritte, Kosten).
"""

from __future__ import annotations

from ..indicators import registry

LANGS = ("en", "de")

LABELS: dict[str, dict[str, str]] = {
    # report frame
    "report_title": {"en": "Simulation report", "de": "Simulationsbericht"},
    "report_of_run": {"en": "one replication", "de": "ein Simulationslauf"},
    "report_of_batch": {"en": "{n} replications per scenario", "de": "{n} Replikationen je Szenario"},
    "created": {"en": "Created", "de": "Erstellt"},
    "results_dir": {"en": "Results", "de": "Ergebnisse"},
    "scenarios": {"en": "Scenarios", "de": "Szenarien"},
    "contents": {"en": "Contents", "de": "Inhalt"},
    "band_note": {
        "en": "Lines are means over replications; shaded bands are 95 % confidence intervals "
        "(Student t). Dotted lines and grey bands are observed or planned figures.",
        "de": "Linien sind Mittelwerte über die Replikationen; schattierte Bänder sind 95-%-"
        "Konfidenzintervalle (Student-t). Punktierte Linien und graue Bänder sind beobachtete "
        "oder geplante Werte.",
    },
    "single_run_note": {
        "en": "A single replication: no confidence bands.",
        "de": "Ein einzelner Lauf: keine Konfidenzbänder.",
    },
    # sections
    "sec_indicators": {"en": "Indicators over time", "de": "Kennzahlen im Zeitverlauf"},
    "kennzahlen_note": {
        "en": "The § 48a SGB II indicators per calendar year (mean over replications, 95 % "
        "confidence interval in brackets). – : not modelled by the scenario, or not computable "
        "within the horizon (12-month values need 12 months, changes on the year before 24, "
        "K2E3 six months more).",
        "de": "Die Kennzahlen nach § 48a SGB II je Kalenderjahr (Mittelwert über die Replikationen, "
        "95-%-Konfidenzintervall in Klammern). – : im Szenario nicht abgebildet oder im "
        "Simulationszeitraum nicht berechenbar (12-Monats-Werte brauchen 12 Monate, Veränderungen "
        "zum Vorjahr 24, K2E3 sechs Monate mehr).",
    },
    "sec_programmes": {"en": "Programmes", "de": "Maßnahmen"},
    "sec_pathways": {"en": "Customers' pathways", "de": "Wege der Kundinnen und Kunden"},
    "sec_comparison": {"en": "Comparison with the base scenario", "de": "Vergleich mit dem Basisszenario"},
    "sec_targets": {"en": "Observed and planned figures used", "de": "Verwendete Ist- und Planwerte"},
    # indicators
    "elb_stock": {"en": "eLb stock", "de": "eLb-Bestand"},
    "integrations": {"en": "Integrations", "de": "Integrationen"},
    "integrations_per_month": {"en": "Integrations per month", "de": "Integrationen je Monat"},
    "iq": {"en": "Integrationsquote", "de": "Integrationsquote"},
    "iq_long": {"en": "Integrationsquote (rolling 12 months)", "de": "Integrationsquote (gleitend, 12 Monate)"},
    "lzb_stock": {"en": "Long-term benefit recipients (LZB)", "de": "Langzeitleistungsbeziehende (LZB)"},
    "lzb_share": {"en": "LZB share of eLb", "de": "LZB-Anteil am eLb-Bestand"},
    "inflows": {"en": "Inflows", "de": "Zugänge"},
    "outflows": {"en": "Outflows", "de": "Abgänge"},
    "month": {"en": "Month", "de": "Monat"},
    "year": {"en": "Year", "de": "Jahr"},
    "all": {"en": "all", "de": "alle"},
    "female": {"en": "women", "de": "Frauen"},
    "male": {"en": "men", "de": "Männer"},
    "diverse": {"en": "diverse", "de": "divers"},
    "observed": {"en": "observed", "de": "Ist-Wert"},
    "planned": {"en": "planned", "de": "Plan"},
    "target_band": {"en": "observed (band)", "de": "Ist-Wert (Spanne)"},
    "needs_12_months": {
        "en": "The Integrationsquote needs 12 simulated months.",
        "de": "Die Integrationsquote braucht 12 simulierte Monate.",
    },
    "stale_note": {
        "en": "The scenario file of {names} is gone or has changed since the run: places, quotas and "
        "budgets are not drawn.",
        "de": "Die Szenariodatei von {names} fehlt oder wurde seit dem Lauf geändert: Plätze, Kontingente "
        "und Budgets werden nicht eingezeichnet.",
    },
    "no_data": {"en": "no data", "de": "keine Daten"},
    # programmes
    "places_used": {"en": "Places used", "de": "Belegte Plätze"},
    "places": {"en": "Places", "de": "Plätze"},
    "waiting_list": {"en": "Waiting list", "de": "Warteliste"},
    "mean_wait": {"en": "Mean waiting time of entrants (days)", "de": "Mittlere Wartezeit der Eintretenden (Tage)"},
    "wait_days": {"en": "Waiting time (days)", "de": "Wartezeit (Tage)"},
    "entries": {"en": "Entries", "de": "Eintritte"},
    "entries_per_month": {"en": "Entries per month", "de": "Eintritte je Monat"},
    "entries_vs_plan": {
        "en": "Entries per year against planned entries",
        "de": "Eintritte je Jahr gegenüber Planeintritten",
    },
    "entries_plan_note": {
        "en": "Planned entries: the scenario's yearly entry quota (scaled to the months "
        "simulated in the year) and, where a targets file applies, the planned entries of "
        "its programme groups.",
        "de": "Planeintritte: das jährliche Eintrittskontingent des Szenarios (anteilig für die "
        "simulierten Monate des Jahres) und, wo eine Zielwertdatei passt, die geplanten "
        "Eintritte ihrer Maßnahmengruppen.",
    },
    "no_plan": {"en": "no planned entries given", "de": "keine Planeintritte angegeben"},
    "cost": {"en": "Cost", "de": "Kosten"},
    "cost_vs_budget": {"en": "Cost per year against budget", "de": "Kosten je Jahr gegenüber Budget"},
    "budget": {"en": "budget (all places filled)", "de": "Budget (alle Plätze belegt)"},
    "budget_note": {
        "en": "Budget: places × cost per place and month × months simulated in the year, i.e. the "
        "cost of full occupancy.",
        "de": "Budget: Plätze × Kosten je Platz und Monat × simulierte Monate des Jahres, "
        "also die Kosten bei Vollbelegung.",
    },
    "euro": {"en": "EUR", "de": "EUR"},
    "programme": {"en": "Programme", "de": "Maßnahme"},
    "group": {"en": "Programme group", "de": "Maßnahmengruppe"},
    "unlimited": {"en": "unlimited", "de": "unbegrenzt"},
    "no_programmes": {"en": "The scenario has no programmes.", "de": "Das Szenario hat keine Maßnahmen."},
    # pathways
    "sankey_title": {"en": "Pathways: inflow → programmes → exits", "de": "Wege: Zugang → Maßnahmen → Abgänge"},
    "sankey_note": {
        "en": "Benefit episodes per replication (mean of {k} replication(s)): where they began, the "
        "programmes entered in order (admitted, not only waited for), and how they ended. "
        "Alongside programmes are not shown.",
        "de": "Leistungsepisoden je Replikation (Mittel aus {k} Replikation(en)): wo sie begannen, "
        "die Maßnahmen in ihrer Reihenfolge (aufgenommen, nicht nur gewartet) und wie sie endeten. "
        "Begleitende Maßnahmen sind nicht dargestellt.",
    },
    "no_spells": {
        "en": "No spells tables in the results (run without --no-spells to see the pathways).",
        "de": "Keine Verlaufstabellen in den Ergebnissen (ohne --no-spells rechnen, um die Wege zu sehen).",
    },
    "origin_initial": {"en": "Stock at start", "de": "Bestand zu Beginn"},
    "origin_inflow": {"en": "New inflow", "de": "Neuzugang"},
    "origin_reentry": {"en": "Re-entry", "de": "Wiedereintritt"},
    "still_in_benefit": {"en": "Still in benefit at end", "de": "Am Ende noch im Leistungsbezug"},
    "small_programmes": {
        "en": "other programmes (each < {pct} % of episodes)",
        "de": "übrige Maßnahmen (je < {pct} % der Episoden)",
    },
    "more_programmes": {"en": "further programmes", "de": "weitere Maßnahmen"},
    "step": {"en": "step", "de": "Schritt"},
    "exit_employment": {"en": "Exit: employment", "de": "Abgang: Beschäftigung"},
    "exit_training": {"en": "Exit: training", "de": "Abgang: Ausbildung"},
    "exit_self_employment": {"en": "Exit: self-employment", "de": "Abgang: Selbständigkeit"},
    "exit_pension": {"en": "Exit: pension", "de": "Abgang: Rente"},
    "exit_moved_away": {"en": "Exit: moved away", "de": "Abgang: Wegzug"},
    "exit_other_income": {"en": "Exit: other income", "de": "Abgang: anderes Einkommen"},
    "exit_other": {"en": "Exit: other", "de": "Abgang: sonstiger"},
    # comparison
    "comparison_note": {
        "en": "Differences variant − base per replication (common random numbers), mean and 95 % "
        "confidence interval. An interval that excludes 0 is a difference the replications "
        "show clearly.",
        "de": "Differenzen Variante − Basis je Replikation (gemeinsame Zufallszahlen), Mittelwert "
        "und 95-%-Konfidenzintervall. Schließt das Intervall die 0 aus, zeigen die "
        "Replikationen den Unterschied deutlich.",
    },
    "diff_chart": {"en": "Difference to the base (yearly)", "de": "Differenz zur Basis (jährlich)"},
    "diff_month_chart": {"en": "Difference to the base over time", "de": "Differenz zur Basis im Zeitverlauf"},
    "variant": {"en": "Variant", "de": "Variante"},
    "base": {"en": "Base", "de": "Basis"},
    "indicator": {"en": "Indicator", "de": "Kennzahl"},
    "period": {"en": "Period", "de": "Zeitraum"},
    "base_mean": {"en": "Base mean", "de": "Mittel Basis"},
    "variant_mean": {"en": "Variant mean", "de": "Mittel Variante"},
    "difference": {"en": "Difference", "de": "Differenz"},
    "ci_low": {"en": "CI low", "de": "KI unten"},
    "ci_high": {"en": "CI high", "de": "KI oben"},
    "replications": {"en": "Replications", "de": "Replikationen"},
    "variance_reduction": {"en": "Variance reduction", "de": "Varianzreduktion"},
    "ci": {"en": "95 % interval of the difference", "de": "95-%-Intervall der Differenz"},
    "significant": {"en": "Significant", "de": "Signifikant"},
    "significant_short": {"en": "significant", "de": "signifikant"},
    "not_significant_short": {"en": "not significant", "de": "nicht signifikant"},
    "yes": {"en": "yes", "de": "ja"},
    "no": {"en": "no", "de": "nein"},
    "pp": {"en": "pp", "de": "Pp."},
    "unit": {"en": "Unit", "de": "Einheit"},
    "unit_pct": {"en": "% (difference: percentage points)", "de": "% (Differenz: Prozentpunkte)"},
    "unit_count": {"en": "persons or cases", "de": "Personen bzw. Fälle"},
    "iq_pp": {"en": "Integrationsquote (percentage points)", "de": "Integrationsquote (Prozentpunkte)"},
    "cost_difference": {"en": "Programme cost (difference, EUR)", "de": "Maßnahmekosten (Differenz, EUR)"},
    "cost_and_full": {
        "en": "Variant's cost / cost of all places filled",
        "de": "Kosten der Variante / Kosten bei Vollbelegung",
    },
    "commitments_budgets": {"en": "Commitments / budgets", "de": "Mittelbindung / Budgets"},
    "no_budgets_short": {"en": "no budgets in the scenario", "de": "keine Budgets im Szenario"},
    "sec_summary": {"en": "Summary for decision", "de": "Zusammenfassung für die Entscheidung"},
    "summary_note": {
        "en": "Per variant, the difference to the base in {year}: integrations, Integrationsquote "
        "in percentage points, long-term benefit recipients (LZB, yearly mean) and programme cost. "
        "\u201csignificant\u201d: the 95 % interval of the difference excludes 0, the replications "
        "show the difference clearly. Commitments / budgets: for scenarios with budgets, the "
        "money the year's entries commit (cost per month × mean duration) against the year's budgets; "
        "cost of all places filled: places × cost per place and month.",
        "de": "Je Variante die Differenz zur Basis im Jahr {year}: Integrationen, Integrationsquote "
        "in Prozentpunkten, Langzeitleistungsbeziehende (LZB, Jahresmittel) und Maßnahmekosten. "
        "\u201esignifikant\u201c: das 95-%-Intervall der Differenz schließt die 0 aus, die "
        "Replikationen zeigen den Unterschied deutlich. Mittelbindung / Budgets: bei Szenarien mit "
        "Budgets die von den Eintritten des Jahres gebundenen Mittel (Kosten je Monat × mittlere "
        "Dauer) gegenüber den Budgets des Jahres; Kosten bei Vollbelegung: Plätze × Kosten je Platz und "
        "Monat.",
    },
    "sheet_summary": {"en": "Summary", "de": "Zusammenfassung"},
    "sheet_comparison": {"en": "Comparison", "de": "Vergleich"},
    "sheet_programmes": {"en": "Programmes", "de": "Maßnahmen"},
    "sheet_cost": {"en": "Cost", "de": "Kosten"},
    "sheet_budgets": {"en": "Budgets", "de": "Budgets"},
    "total_cost": {"en": "Programme cost (EUR)", "de": "Maßnahmekosten (EUR)"},
    "more_rows": {"en": "Programmes: differences per year", "de": "Maßnahmen: Differenzen je Jahr"},
    # targets section
    "target": {"en": "Target", "de": "Zielwert"},
    "value": {"en": "Value", "de": "Wert"},
    "band": {"en": "Band", "de": "Spanne"},
    "source": {"en": "Source", "de": "Quelle"},
    "targets_from": {"en": "From {file} (year {year}).", "de": "Aus {file} (Jahr {year})."},
    "targets_none": {
        "en": "No observed figures apply to these scenarios.",
        "de": "Für diese Szenarien liegen keine passenden Ist-Werte vor.",
    },
    # app
    "app_title": {"en": "jobpath: try a scenario variant", "de": "jobpath: eine Szenariovariante ausprobieren"},
    "app_intro": {
        "en": "Pick a base scenario, define up to five variants (places, durations, costs, inflow, "
        "transition rates) and compare them side by side with the base: all run with the same random "
        "numbers, so differences are the variants' effects.",
        "de": "Basisszenario wählen, bis zu fünf Varianten festlegen (Plätze, Dauern, Kosten, Zugänge, "
        "Übergangsraten) und nebeneinander mit der Basis vergleichen: alle laufen mit denselben "
        "Zufallszahlen, Unterschiede sind also die Wirkung der Varianten.",
    },
    "scenario_col": {"en": "Scenario", "de": "Szenario"},
    "language": {"en": "Language / Sprache", "de": "Language / Sprache"},  # the same in both: the switch
    "lang_en": {"en": "English", "de": "English"},  # each language in its own words
    "lang_de": {"en": "Deutsch", "de": "Deutsch"},
    "scenario": {"en": "Base scenario", "de": "Basisszenario"},
    "upload": {
        "en": "… or upload a base scenario file (TOML)",
        "de": "… oder eine Basis-Szenariodatei (TOML) hochladen",
    },
    "no_scenarios": {
        "en": "No scenario files found in {dir}: upload one.",
        "de": "Keine Szenariodateien in {dir} gefunden: bitte eine hochladen.",
    },
    "invalid_scenario": {"en": "This scenario cannot be used", "de": "Dieses Szenario ist nicht verwendbar"},
    "invalid_variant": {"en": "The variant is not valid", "de": "Die Variante ist nicht gültig"},
    "run_failed": {"en": "The run failed", "de": "Der Lauf ist fehlgeschlagen"},
    "run_settings": {"en": "Run", "de": "Lauf"},
    "years": {"en": "Years to simulate", "de": "Simulierte Jahre"},
    "years_help": {
        "en": "The scenario plans {years} year(s). Slow levers (more course places, shorter waits) "
        "show in integrations only from the second year on: the horizon is at least 2 years.",
        "de": "Das Szenario plant {years} Jahr(e). Langsame Hebel (mehr Kursplätze, kürzere Wartezeiten) "
        "zeigen sich in den Integrationen erst ab dem zweiten Jahr: der Zeitraum ist mindestens 2 Jahre.",
    },
    "seed": {"en": "Seed", "de": "Startwert (Seed)"},
    "workers": {"en": "Worker processes", "de": "Rechenprozesse"},
    "programmes_form": {"en": "Programmes", "de": "Maßnahmen"},
    "duration_factor": {"en": "Duration ×", "de": "Dauer ×"},
    "cost_per_month": {"en": "Cost per place and month (EUR)", "de": "Kosten je Platz und Monat (EUR)"},
    "entries_per_year": {"en": "Entries per year (quota)", "de": "Eintritte je Jahr (Kontingent)"},
    "places_help": {
        "en": "Places: seats at once, empty = unlimited; fewer places than people in the programme "
        "on day one is allowed (nobody is admitted until occupancy is below the places). Duration ×: "
        "every programme duration scaled by this factor. Entries per year: the yearly entry quota, "
        "empty = none.",
        "de": "Plätze: gleichzeitig belegbar, leer = unbegrenzt; weniger Plätze als Teilnehmende am "
        "ersten Tag sind erlaubt (aufgenommen wird erst, wenn die Belegung unter den Plätzen liegt). "
        "Dauer ×: jede Maßnahmedauer mit diesem Faktor skaliert. Eintritte je Jahr: das jährliche "
        "Eintrittskontingent, leer = keins.",
    },
    "day_one": {"en": "{n} in it on day one", "de": "{n} Teilnehmende am ersten Tag"},
    "switches": {"en": "Transition rates, one by one", "de": "Übergangsraten einzeln"},
    "switches_help": {
        "en": "A factor on each rate: 1 = as in the scenario, 0 = off, 1.5 = half as much again.",
        "de": "Ein Faktor je Rate: 1 = wie im Szenario, 0 = aus, 1,5 = anderthalbfach.",
    },
    "hazard_label": {"en": "{name} ({rate} per month → {to}) ×", "de": "{name} ({rate} je Monat → {to}) ×"},
    "lever_groups": {"en": "Lever groups", "de": "Hebelgruppen"},
    "lever_groups_help": {
        "en": "A factor on all transition rates of a group: 0 = the group off, 1 = as in the scenario.",
        "de": "Ein Faktor auf alle Übergangsraten der Gruppe: 0 = Gruppe aus, 1 = wie im Szenario.",
    },
    "inflow_section": {"en": "Inflow", "de": "Zugänge"},
    "inflow_factor": {
        "en": "Monthly inflow × (now {per} a month)",
        "de": "Monatliche Zugänge × (derzeit {per} je Monat)",
    },
    "wave_factor": {
        "en": "Wave {wave} × ({start} to {end}, {per} a month)",
        "de": "Welle {wave} × ({start} bis {end}, {per} je Monat)",
    },
    "rate": {"en": "rate per month", "de": "Rate je Monat"},
    "field": {"en": "Field", "de": "Feld"},
    "variant_name": {"en": "Variant name", "de": "Name der Variante"},
    "variant_n": {"en": "Variant {n}", "de": "Variante {n}"},
    "new_variant": {"en": "Variant {n}: levers", "de": "Variante {n}: Hebel"},
    "add_variant": {"en": "Add variant", "de": "Variante hinzufügen"},
    "add_files": {"en": "… or add scenario files as variants", "de": "… oder Szenariodateien als Varianten hinzufügen"},
    "add_files_button": {"en": "Add files", "de": "Dateien hinzufügen"},
    "variants_list": {
        "en": "Variants to compare ({n} of at most {max})",
        "de": "Zu vergleichende Varianten ({n} von höchstens {max})",
    },
    "no_variants": {
        "en": "No variant yet: set the levers above and add one.",
        "de": "Noch keine Variante: oben die Hebel einstellen und eine hinzufügen.",
    },
    "too_many_variants": {
        "en": "At most {max} variants: remove one first.",
        "de": "Höchstens {max} Varianten: bitte zuerst eine entfernen.",
    },
    "choose_files": {"en": "Choose files", "de": "Dateien wählen"},
    "comparison_details": {
        "en": "Details: levels, differences and their 95 % intervals",
        "de": "Einzelheiten: Werte, Differenzen und ihre 95-%-Intervalle",
    },
    "side_note": {
        "en": "Base: the base scenario's mean. Each variant: its difference to the base (rates in "
        "percentage points) and whether it is significant.",
        "de": "Basis: Mittelwert des Basisszenarios. Je Variante: die Differenz zur Basis (Quoten in "
        "Prozentpunkten) und ob sie signifikant ist.",
    },
    "slow_effects_report": {
        "en": "Slow levers (course places, waiting times) show in integrations from the second "
        "year on: read the later years.",
        "de": "Langsame Hebel (Kursplätze, Wartezeiten) zeigen sich in den Integrationen erst ab "
        "dem zweiten Jahr: die späteren Jahre lesen.",
    },
    "needs_js": {"en": "The figures need JavaScript.", "de": "Die Abbildungen brauchen JavaScript."},
    "remove": {"en": "Remove", "de": "Entfernen"},
    "run_button": {"en": "Compare {n} variant(s) with the base", "de": "{n} Variante(n) mit der Basis vergleichen"},
    "running": {
        "en": "Running: {done} of {total} replications done ({seconds} s, {left} left) …",
        "de": "Läuft: {done} von {total} Replikationen fertig ({seconds} s, noch {left}) …",
    },
    "running_first": {
        "en": "Running: 0 of {total} replications done ({seconds} s; the first ones are under way) …",
        "de": "Läuft: 0 von {total} Replikationen fertig ({seconds} s; die ersten laufen) …",
    },
    "summarising": {
        "en": "All {total} replications done ({seconds} s): summaries and differences are being computed …",
        "de": "Alle {total} Replikationen fertig ({seconds} s): Zusammenfassungen und Differenzen werden berechnet …",
    },
    "about_seconds": {"en": "about {n} s", "de": "etwa {n} s"},
    "about_minutes": {"en": "about {n} min", "de": "etwa {n} min"},
    "make_report": {"en": "Make the report (HTML)", "de": "Bericht erstellen (HTML)"},
    "make_report_help": {
        "en": "The full report for the board, with every figure; it takes a little while.",
        "de": "Der vollständige Bericht für die Gremien mit allen Abbildungen; das dauert etwas.",
    },
    "making_report": {"en": "The report is being made …", "de": "Der Bericht wird erstellt …"},
    "preparing_results": {"en": "The results are being read …", "de": "Die Ergebnisse werden gelesen …"},
    "preparing_figures": {"en": "The figures are being drawn …", "de": "Die Abbildungen werden gezeichnet …"},
    "cancel": {"en": "Cancel run", "de": "Lauf abbrechen"},
    "run_cancelled": {"en": "The run was cancelled.", "de": "Der Lauf wurde abgebrochen."},
    "done": {"en": "Done: {total} replications in {seconds} s.", "de": "Fertig: {total} Replikationen in {seconds} s."},
    "invalid_input": {
        "en": "Some entries are not numbers the form can use",
        "de": "Einige Eingaben sind keine verwendbaren Zahlen",
    },
    "a_number": {"en": "expected a number", "de": "erwartet: eine Zahl"},
    "whole_number": {"en": "expected a whole number", "de": "erwartet: eine ganze Zahl"},
    "range_from": {"en": "of at least {low}", "de": "ab {low}"},
    "range_between": {"en": "between {low} and {high}", "de": "zwischen {low} und {high}"},
    "problems_note": {
        "en": "Each line names the field and what was expected there.",
        "de": "Jede Zeile nennt das Feld und was dort erwartet wird.",
    },
    "whole_file": {"en": "(whole file)", "de": "(ganze Datei)"},
    "more_problems": {"en": "and {n} more", "de": "und {n} weitere"},
    "variant_comment": {
        "en": "{name}: variant of {base} (only the changed lines), written by jobpath app on {when}",
        "de": "{name}: Variante von {base} (nur die geänderten Zeilen), erstellt mit jobpath app am {when}",
    },
    "summary_year": {"en": "Year of the summary", "de": "Jahr der Zusammenfassung"},
    "slow_effects": {
        "en": "Effects of slow levers (course places, waiting times) show in later years: choose a later year above.",
        "de": "Langsame Hebel (Kursplätze, Wartezeiten) wirken erst in späteren Jahren: oben ein späteres Jahr wählen.",
    },
    "download_excel": {"en": "Comparison as Excel workbook", "de": "Vergleich als Excel-Arbeitsmappe"},
    "download_csv": {"en": "Comparison as CSV", "de": "Vergleich als CSV"},
    "budget_col": {"en": "Cost of all places filled (EUR)", "de": "Kosten bei Vollbelegung (EUR)"},
    "committed_col": {"en": "Commitments (EUR)", "de": "Mittelbindung (EUR)"},
    "budgets_col": {"en": "Budgets (EUR)", "de": "Budgets (EUR)"},
    "sec_budgets": {
        "en": "Budgets: commitments per budget and year",
        "de": "Budgets: Mittelbindung je Budget und Jahr",
    },
    "budgets_note": {
        "en": "Each entry commits cost per month × mean duration to the budget of its calendar year "
        "(mean over replications); the budget is the year's amount in force at the year's last "
        "simulated month.",
        "de": "Jeder Eintritt bindet Kosten je Monat × mittlere Dauer im Budget seines Kalenderjahres "
        "(Mittel über die Replikationen); das Budget ist der Jahresbetrag, der im letzten simulierten "
        "Monat des Jahres gilt.",
    },
    "budget_name": {"en": "Budget", "de": "Budget"},
    "budget_year_col": {"en": "Budget of the year (EUR)", "de": "Budget des Jahres (EUR)"},
    "share_committed": {"en": "Share committed", "de": "Anteil gebunden"},
    "budgets_form": {"en": "Budgets", "de": "Budgets"},
    "budgets_help": {
        "en": "Money per calendar year for the programmes listed; an entry is made only while the "
        "year's budget covers its commitment (cost per month × mean duration). A budget planned over "
        "time is shown as its steps and kept.",
        "de": "Mittel je Kalenderjahr für die genannten Maßnahmen; eingetreten wird nur, solange das "
        "Budget des Jahres die Mittelbindung deckt (Kosten je Monat × mittlere Dauer). Ein zeitlich "
        "geplantes Budget wird mit seinen Stufen gezeigt und beibehalten.",
    },
    "budget_per_year": {"en": "Budget per year (EUR)", "de": "Budget je Jahr (EUR)"},
    "paid_programmes": {"en": "pays for: {names}", "de": "finanziert: {names}"},
    "staffing_form": {"en": "Case managers", "de": "Fallmanagerinnen und Fallmanager"},
    "staffing_help": {
        "en": "Case managers per staffing group: the caseload (customers per case manager) scales the "
        "rates of the transitions listed; at the reference caseload they hold as written. Staff planned "
        "over time is shown as its steps and kept.",
        "de": "Fallmanagerinnen und Fallmanager je Betreuungsgruppe: der Betreuungsschlüssel (Kundinnen "
        "und Kunden je Fachkraft) skaliert die Raten der genannten Übergänge; beim Referenzschlüssel "
        "gelten sie wie angegeben. Zeitlich geplantes Personal wird mit seinen Stufen gezeigt und "
        "beibehalten.",
    },
    "case_managers": {"en": "case managers", "de": "Fallmanagerinnen und Fallmanager"},
    "staffing_reference": {"en": "reference 1:{ref}; scales: {names}", "de": "Referenz 1:{ref}; skaliert: {names}"},
    "pools_form": {"en": "Shared places (pools)", "de": "Gemeinsame Plätze (Pools)"},
    "pools_help": {
        "en": "Places shared by the programmes listed: together they take at most the pool's places (each "
        "also within its own). A pool planned over time is shown as its steps and kept.",
        "de": "Plätze, die sich die genannten Maßnahmen teilen: zusammen belegen sie höchstens die Plätze "
        "des Pools (jede auch innerhalb ihrer eigenen). Ein zeitlich geplanter Pool wird mit seinen Stufen "
        "gezeigt und beibehalten.",
    },
    "pool_places": {"en": "Places of the pool", "de": "Plätze des Pools"},
    "pool_members": {"en": "shared by: {names}", "de": "gemeinsam für: {names}"},
    "sec_staffing": {"en": "Case managers: caseload per year", "de": "Fallmanagement: Betreuungsschlüssel je Jahr"},
    "staffing_note": {
        "en": "Mean over the year's months (month ends) and the replications: case managers in force, "
        "customers in the group's states, customers per case manager, and the factor on the rates.",
        "de": "Mittel über die Monate des Jahres (Monatsende) und die Replikationen: Fachkräfte im "
        "Einsatz, Kundinnen und Kunden in den Zuständen der Gruppe, Kundinnen und Kunden je Fachkraft "
        "und der Faktor auf die Raten.",
    },
    "sheet_staffing": {"en": "Caseload", "de": "Fallmanagement"},
    "sheet_pools": {"en": "Pools", "de": "Pools"},
    "sheet_households": {"en": "Households", "de": "Bedarfsgemeinschaften"},
    "staffing_name": {"en": "Staffing group", "de": "Betreuungsgruppe"},
    "staff_col": {"en": "Case managers in force", "de": "Fachkräfte im Einsatz"},
    "customers_col": {"en": "Customers of the group", "de": "Kundinnen und Kunden der Gruppe"},
    "caseload_col": {"en": "Customers per case manager", "de": "Kundinnen und Kunden je Fachkraft"},
    "factor_col": {"en": "Factor on the rates", "de": "Faktor auf die Raten"},
    "sec_pools": {"en": "Shared places (pools): use per year", "de": "Gemeinsame Plätze (Pools): Belegung je Jahr"},
    "pools_note": {
        "en": "Mean over the year's months and the replications: participants in the pool's programmes "
        "against the pool's places.",
        "de": "Mittel über die Monate des Jahres und die Replikationen: Teilnehmende der Maßnahmen des "
        "Pools gegenüber den Plätzen des Pools.",
    },
    "pool_name": {"en": "Pool of places", "de": "Platzpool"},
    "participants_col": {"en": "Participants (mean)", "de": "Teilnehmende (Mittel)"},
    "places_col": {"en": "Places (mean)", "de": "Plätze (Mittel)"},
    "occupancy_col": {"en": "Participants / places", "de": "Teilnehmende / Plätze"},
    "waiting_col": {"en": "Waiting (mean)", "de": "Wartende (Mittel)"},
    "start_from": {"en": "Start from", "de": "Ausgangspunkt"},
    "start_from_base": {"en": "the base ({name})", "de": "die Basis ({name})"},
    "start_from_help": {
        "en": "Start the levers from the base or from a file variant of the list: the new variant is "
        "that file with the lines changed here.",
        "de": "Die Hebel von der Basis oder von einer Dateivariante der Liste aus einstellen: die neue "
        "Variante ist diese Datei mit den hier geänderten Zeilen.",
    },
    "upload_variant": {
        "en": "… or upload a variant file (TOML: with extends of a scenario here, or a whole scenario)",
        "de": "… oder eine Variantendatei hochladen (TOML: mit extends eines Szenarios hier, oder ein ganzes Szenario)",
    },
    "add_upload_button": {"en": "Add uploaded file", "de": "Datei hinzufügen"},
    "uploader_drag": {"en": "Drag and drop file here", "de": "Datei hierher ziehen und ablegen"},
    "uploader_limit": {"en": "{mb}MB per file", "de": "höchstens {mb} MB je Datei"},
    "uploader_browse": {"en": "Upload", "de": "Hochladen"},
    "select_all": {"en": "Select all", "de": "Alle auswählen"},
    "sec_kennzahlen": {"en": "§ 48a SGB II indicators", "de": "Kennzahlen nach § 48a SGB II"},
    "sec_households": {"en": "Households and work beside benefit", "de": "Bedarfsgemeinschaften und Erwerbstätigkeit"},
    "households_note": {
        "en": "Yearly means of month-end stocks; integrations ending the need: those at which the person's "
        "household left benefit (bedarfsdeckend); topped up: eLb in benefit who hold a job.",
        "de": "Jahresmittel der Monatsendbestände; bedarfsdeckende Integrationen: solche, mit denen die "
        "Bedarfsgemeinschaft den Leistungsbezug verließ; Aufstocker: eLb im Leistungsbezug mit einer Beschäftigung.",
    },
    "kennzahlen_app_note": {
        "en": "Per calendar year, the base and each variant: mean over replications, 95 % "
        "confidence interval in brackets. – : not modelled by the scenario, or not computable "
        "within the horizon (12-month values need 12 months, changes on the year before 24).",
        "de": "Je Kalenderjahr die Basis und jede Variante: Mittelwert über die Replikationen, "
        "95-%-Konfidenzintervall in Klammern. – : im Szenario nicht abgebildet oder im "
        "Simulationszeitraum nicht berechenbar (12-Monats-Werte brauchen 12 Monate, "
        "Veränderungen zum Vorjahr 24).",
    },
    "state_case_management": {"en": "case management", "de": "Fallbetreuung"},
    "state_no_contact": {"en": "no contact", "de": "kein Kontakt"},
    "state_entry": {"en": "re-entry", "de": "Wiedereintritt"},
    "state_handover": {"en": "hand-over", "de": "Übergabe"},
    "results": {"en": "Results", "de": "Ergebnisse"},
    "download_variant": {
        "en": "Variants as scenario files (TOML, only the changed lines):",
        "de": "Varianten als Szenariodateien (TOML, nur die geänderten Zeilen):",
    },
    "download_results": {"en": "Download results (zip)", "de": "Ergebnisse herunterladen (zip)"},
    "download_report": {"en": "Download report (HTML)", "de": "Bericht herunterladen (HTML)"},
    "changes": {"en": "Changes against the base", "de": "Änderungen gegenüber der Basis"},
    "a_plan": {
        "en": "expected a number of at least {low}, or steps such as “60,000 from 2024-01-01; 50,000 from 2025-01-01”",
        "de": "erwartet: eine Zahl ab {low} oder Stufen wie „60.000 ab 01.01.2024; 50.000 ab 01.01.2025“",
    },
    "plan_help": {
        "en": "A value over time is written as steps: “53; 56 from 2024-04-01” (the first holds from the start); "
        "the factor scales every step (0.8 = −20 %).",
        "de": "Ein Wert über die Zeit wird als Stufen geschrieben: „53; 56 ab 01.04.2024“ (die erste gilt ab dem "
        "Start); der Faktor wirkt auf jede Stufe (0,8 = −20 %).",
    },
    "factor_all_steps": {"en": "× all steps", "de": "× alle Stufen"},
    "skip_to_add": {"en": "Skip the levers: to “Add variant”", "de": "Hebel überspringen: zu „Variante hinzufügen“"},
    "all_changes": {"en": "all {n} changes", "de": "alle {n} Änderungen"},
    "no_changes": {
        "en": "No changes: the variant equals the base.",
        "de": "Keine Änderungen: die Variante entspricht der Basis.",
    },
}


def t(key: str, lang: str = "en", **fmt) -> str:
    """The label for `key` in `lang` (English if the language is unknown), formatted with `fmt`."""
    entry = LABELS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


def sex_label(level: str, lang: str) -> str:
    """A sex level of the scenario as planners read it (unknown levels as written)."""
    return t(level, lang) if level in LABELS else level


def exit_label(kind: str, lang: str) -> str:
    key = f"exit_{kind}"
    return t(key, lang) if key in LABELS else kind


INDICATOR_KEYS = {
    "elb_stock": "elb_stock",
    "integrations": "integrations",
    "iq": "iq",
    "lzb_stock": "lzb_stock",
    "lzb_share": "lzb_share",
    "inflows": "inflows",
    "outflows": "outflows",
}
MEASURE_KEYS = {
    "participants": "places_used",
    "waiting": "waiting_list",
    "entries": "entries",
    "mean_wait_days": "wait_days",
    "cost": "cost",
}


def indicator_label(indicator: str, lang: str) -> str:
    """A summary indicator ('iq', 'iq_female', 'programme.course.entries') as a readable label."""
    if indicator.startswith("programme."):
        _, name, measure = indicator.split(".", 2)
        m = t(MEASURE_KEYS[measure], lang) if measure in MEASURE_KEYS else measure
        return f"{name}: {m}"
    try:  # a monthly column: its registry entry names it
        ind, suffix = registry.lookup(indicator)
    except registry.UnknownColumn:
        ind, suffix = None, ""
    if ind is not None and ind.name not in INDICATOR_KEYS:
        return ind.label(lang) + (f" ({sex_label(suffix[1:], lang)})" if suffix else "")
    for key in sorted(INDICATOR_KEYS, key=len, reverse=True):
        if indicator == key:
            return t(INDICATOR_KEYS[key], lang)
        if indicator.startswith(key + "_"):
            rest = indicator[len(key) + 1 :]
            return f"{t(INDICATOR_KEYS[key], lang)} ({sex_label(rest, lang)})"
    return indicator
