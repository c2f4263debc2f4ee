"""Scenario check messages in German: a catalogue of the English message templates, pattern by pattern.

The loader and the checks (simulation/scenario) say what was expected and what was found, in
English, as `jobpath validate` prints them. The app shows them in the page's language: each
template is a pattern whose parts that come from the file (names, values, lists, field paths)
are kept as they are. A message no pattern knows is shown as it is, marked as English.
"""

from __future__ import annotations

import re

# Pydantic's own phrases after "input should be" (the loader lower-cases their first letter).
INPUT_SHOULD_BE: list[tuple[str, str]] = [
    (r"greater than or equal to (?P<n>\S+)", "eine Zahl größer oder gleich {n}"),
    (r"less than or equal to (?P<n>\S+)", "eine Zahl kleiner oder gleich {n}"),
    (r"greater than (?P<n>\S+)", "eine Zahl größer als {n}"),
    (r"less than (?P<n>\S+)", "eine Zahl kleiner als {n}"),
    (r"a finite number", "eine endliche Zahl"),
    (r"a valid integer, unable to parse string as an integer", "eine ganze Zahl (der Text ist keine)"),
    (r"a valid integer, got a number with a fractional part", "eine ganze Zahl (ohne Nachkommastellen)"),
    (r"a valid integer", "eine ganze Zahl"),
    (r"a valid number, unable to parse string as a number", "eine Zahl (der Text ist keine)"),
    (r"a valid number", "eine Zahl"),
    (r"a valid string", "ein Text in Anführungszeichen"),
    (r"a valid boolean", "true oder false"),
    (r"a valid list", "eine Liste [ … ]"),
    (r"a valid array", "eine Liste [ … ]"),
    (r"a valid dictionary or instance of \w+", "eine Tabelle { … }"),
    (r"a valid dictionary", "eine Tabelle { … }"),
    (r"a valid date", "ein Datum (JJJJ-MM-TT)"),
    (r"a valid tuple", "eine Liste [ … ]"),
    (r"(?P<v>'[^']*'(?:, '[^']*')*) or (?P<w>'[^']*')", "{v} oder {w}"),
    (r"(?P<v>'[^']*')", "{v}"),
]

# Whole messages: (pattern, German). Named groups are inserted unchanged (they come from the file).
MESSAGES: list[tuple[str, str]] = (
    [
        # the loader and the file as a whole
        (
            r"unknown key \(check the spelling; unknown keys are not ignored\)",
            "unbekannter Schlüssel (Schreibweise prüfen; unbekannte Schlüssel werden nicht übergangen)",
        ),
        (r"required field is missing", "Pflichtfeld fehlt"),
        (r"circular: (?P<chain>.+)", "Kreis von extends-Verweisen: {chain}"),
        (
            r"expected at most (?P<n>\d+) files in a chain of extends, found more \(via (?P<f>.+)\)",
            "erwartet: höchstens {n} Dateien in einer Kette von extends, gefunden: mehr (über {f})",
        ),
        (
            r"expected an existing scenario file, found no file at (?P<f>'.*')",
            "erwartet: eine vorhandene Szenariodatei, gefunden: keine Datei unter {f}",
        ),
        (
            r"expected a scenario file ending in \.toml, found (?P<f>'.*')",
            "erwartet: eine Szenariodatei mit der Endung .toml, gefunden: {f}",
        ),
        (
            r"expected a scenario file of at most (?P<n>\d+) MB, found (?P<m>\d+) MB in (?P<f>'.*')",
            "erwartet: eine Szenariodatei von höchstens {n} MB, gefunden: {m} MB in {f}",
        ),
        (
            r"expected a TOML file, found a syntax error in (?P<f>'[^']*'): (?P<e>.*)",
            "erwartet: eine TOML-Datei, gefunden: ein Syntaxfehler in {f}: {e}",
        ),
        (
            r"expected a TOML file, found a syntax error: (?P<e>.*)",
            "erwartet: eine TOML-Datei, gefunden: ein Syntaxfehler: {e}",
        ),
        (
            r"expected a TOML file, found tables or arrays nested too deep in (?P<f>'.*')",
            "erwartet: eine TOML-Datei, gefunden: zu tief verschachtelte Tabellen oder Listen in {f}",
        ),
        (
            r"expected a scenario, found tables or arrays nested too deep",
            "erwartet: ein Szenario, gefunden: zu tief verschachtelte Tabellen oder Listen",
        ),
        (
            r"expected a readable scenario file, found (?P<f>'.*') unreadable \((?P<e>.*)\)",
            "erwartet: eine lesbare Szenariodatei, gefunden: {f} nicht lesbar ({e})",
        ),
        (r"expected a file name, found (?P<v>.*)", "erwartet: ein Dateiname, gefunden: {v}"),
        # the app's uploads
        (
            r"expected a UTF-8 text file \(TOML\), found binary data",
            "erwartet: eine UTF-8-Textdatei (TOML), gefunden: Binärdaten",
        ),
        (
            r"expected a scenario file of (?P<d>.+) named (?P<f>'[^']*'), found none \(upload a file without extends\)",
            "erwartet: eine Szenariodatei {f} in {d}, gefunden: keine (eine Datei ohne extends hochladen)",
        ),
        # pydantic's checks of types and ranges
        (r"expected one of (?P<tags>'.*'), found (?P<v>.*)", "erwartet: eine der Angaben {tags}, gefunden: {v}"),
        (
            r"required: the kind of distribution, one of (?P<tags>.*)",
            "Pflichtangabe: die Art der Verteilung, eine von {tags}",
        ),
        # the schema's own validators
        (
            r"expected high >= low \((?P<a>[^)]*)\), found high = (?P<b>.*)",
            "erwartet: high >= low ({a}), gefunden: high = {b}",
        ),
        (
            r"expected as many weights as values \((?P<a>\d+)\), found (?P<b>\d+)",
            "erwartet: so viele Gewichte wie Werte ({a}), gefunden: {b}",
        ),
        (
            r"expected some positive weight, found all weights zero",
            "erwartet: mindestens ein positives Gewicht, gefunden: alle Gewichte null",
        ),
        (
            r"expected steps in increasing order of 'from', found (?P<v>.*)",
            "erwartet: Stufen in aufsteigender Reihenfolge von 'from', gefunden: {v}",
        ),
        (
            r"expected at least one of: in, not_in, min, max; found none",
            "erwartet: mindestens eine der Angaben in, not_in, min, max; gefunden: keine",
        ),
        (
            r"expected end after start \((?P<a>[^)]*)\), found end = (?P<b>.*)",
            "erwartet: end nach start ({a}), gefunden: end = {b}",
        ),
        (
            r"expected min_size <= class_size \((?P<a>[^)]*)\), found min_size = (?P<b>.*)",
            "erwartet: min_size <= class_size ({a}), gefunden: min_size = {b}",
        ),
        (
            r"expected by_months_in_benefit to start at month 0, found (?P<v>.*)",
            "erwartet: by_months_in_benefit beginnt bei Monat 0, gefunden: {v}",
        ),
        (
            r"expected increasing months in by_months_in_benefit, found (?P<v>.*)",
            "erwartet: aufsteigende Monate in by_months_in_benefit, gefunden: {v}",
        ),
        (
            r"expected start on the first day of a month, found start = (?P<v>.*)",
            "erwartet: start am ersten Tag eines Monats, gefunden: start = {v}",
        ),
        (
            r"expected start in the years (?P<a>\d+) to (?P<b>\d+), found start = (?P<v>.*)",
            "erwartet: start in den Jahren {a} bis {b}, gefunden: start = {v}",
        ),
        # the checks across fields
        (
            r"expected one of the declared attributes (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eines der deklarierten Merkmale {list}, gefunden: {v}",
        ),
        (
            r"expected a level of (?P<a>'[^']*') (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eine Ausprägung von {a} {list}, gefunden: {v}",
        ),
        (
            r"expected a test some level of (?P<a>'[^']*') passes, found one that none does: (?P<v>.*)",
            "erwartet: eine Bedingung, die eine Ausprägung von {a} erfüllt, gefunden: eine, die keine erfüllt: {v}",
        ),
        (
            r"expected one of the segments (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eines der Segmente {list}, gefunden: {v}",
        ),
        (
            r"expected one of the levels of (?P<a>'[^']*') (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eine der Ausprägungen von {a} {list}, gefunden: {v}",
        ),
        (r"shares must sum to 1, found (?P<v>.*)", "Anteile müssen sich zu 1 summieren, gefunden: {v}"),
        (
            r"probabilities must sum to 1, found (?P<v>.*)",
            "Wahrscheinlichkeiten müssen sich zu 1 summieren, gefunden: {v}",
        ),
        (
            r"expected 'case_management', 'no_contact', 'programme:<name>' with a defined programme (?P<list>\[.*\]) or "
            r"'exit:<kind>' with a kind in (?P<kinds>\[.*\]), found (?P<v>'.*')",
            "erwartet: 'case_management', 'no_contact', 'programme:<name>' mit einer definierten Maßnahme {list} oder "
            "'exit:<kind>' mit einer Art aus {kinds}, gefunden: {v}",
        ),
        (
            r"expected a name that is not a column of the results (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: ein Name, der keine Spalte der Ergebnisse ist {list}, gefunden: {v}",
        ),
        (
            r"required: indicators are reported by sex \(e\.g\. (?P<v>.*)\)",
            "Pflichtangabe: Kennzahlen werden nach Geschlecht ausgewiesen (z. B. {v})",
        ),
        (r"levels must be distinct, found (?P<v>.*)", "Ausprägungen müssen verschieden sein, gefunden: {v}"),
        (
            r"attribute (?P<a>'[^']*') has no mix here nor in population\.common",
            "Merkmal {a} hat hier keine Verteilung und auch nicht in population.common",
        ),
        (
            r"expected a defined programme (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eine definierte Maßnahme {list}, gefunden: {v}",
        ),
        (
            r"expected another defined programme (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: eine andere definierte Maßnahme {list}, gefunden: {v}",
        ),
        (
            r"expected at least the (?P<n>\d+) people placed in programmes, waiting lists and no contact, found (?P<v>.*)",
            "erwartet: mindestens die {n} Personen in Maßnahmen, auf Wartelisten und ohne Kontakt, gefunden: {v}",
        ),
        (
            r"'entry' is reserved for the route of new customers",
            "'entry' ist für den Weg neuer Kundinnen und Kunden reserviert",
        ),
        (
            r"expected at most the programme's (?P<n>\S+) places, found (?P<v>.*)",
            "erwartet: höchstens die {n} Plätze der Maßnahme, gefunden: {v}",
        ),
        (r"programmes must be distinct, found (?P<v>.*)", "Maßnahmen müssen verschieden sein, gefunden: {v}"),
        (
            r"expected programmes not also listed in marginal_employment, found (?P<v>.*)",
            "erwartet: Maßnahmen, die nicht auch in marginal_employment stehen, gefunden: {v}",
        ),
        (
            r"expected 'entry' or a defined programme (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: 'entry' oder eine definierte Maßnahme {list}, gefunden: {v}",
        ),
        (
            r"the last rule must have no 'when': it applies to everyone else",
            "die letzte Regel darf kein 'when' haben: sie gilt für alle übrigen",
        ),
        (
            r"expected a gap only before a programme, found one before (?P<v>'.*')",
            "erwartet: eine Lücke (gap) nur vor einer Maßnahme, gefunden: eine vor {v}",
        ),
        (
            r"expected a hazard name other than the engine's own end reasons (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: ein Name des Übergangs, der keiner der eigenen Endgründe des Modells ist {list}, gefunden: {v}",
        ),
        (
            r"expected 'case_management', 'no_contact', 'handover', 'waiting:<programme>', 'programme:<programme>' or "
            r"'exit:<kind>' \(or '\*' for any\), found (?P<v>'.*')",
            "erwartet: 'case_management', 'no_contact', 'handover', 'waiting:<programme>', 'programme:<programme>' oder "
            "'exit:<kind>' (oder '*' für beliebige), gefunden: {v}",
        ),
        (
            r"'entry' \(re-entry into benefit receipt\) applies only to 'exit:' states",
            "'entry' (Wiedereintritt in den Leistungsbezug) gilt nur für 'exit:'-Zustände",
        ),
        (
            r"expected at most 100 years \((?P<a>[^)]*)\), found (?P<v>.*)",
            "erwartet: höchstens 100 Jahre ({a}), gefunden: {v}",
        ),
        (
            r"expected values of at most 100 years \((?P<a>[^)]*)\), found (?P<v>.*)",
            "erwartet: Werte von höchstens 100 Jahren ({a}), gefunden: {v}",
        ),
        (
            r"expected sd between (?P<a>\S+) and (?P<b>\S+) times the mean \((?P<m>[^)]*)\), found (?P<v>.*)",
            "erwartet: sd zwischen dem {a}- und {b}-Fachen des Mittelwerts ({m}), gefunden: {v}",
        ),
        (
            r"expected a shape between (?P<a>\S+) and (?P<b>\S+), found (?P<v>.*)",
            "erwartet: eine Form (shape) zwischen {a} und {b}, gefunden: {v}",
        ),
        (
            r"expected a mean of at most 100 years, found (?P<v>.*)",
            "erwartet: ein Mittelwert von höchstens 100 Jahren, gefunden: {v}",
        ),
        (r"expected at most 100 years, found (?P<v>.*)", "erwartet: höchstens 100 Jahre, gefunden: {v}"),
        (r"expected at least (?P<n>\S+) day, found (?P<v>.*)", "erwartet: mindestens {n} Tag, gefunden: {v}"),
        (
            r"expected a rate of at most (?P<n>\S+) per month for hazard (?P<h>'[^']*') with every factor that can act on "
            r"it at once, found (?P<v>.*)",
            "erwartet: eine Rate von höchstens {n} je Monat für den Übergang {h} mit allen Faktoren, die zugleich auf ihn "
            "wirken können, gefunden: {v}",
        ),
    ]
    + [
        (rf"expected at most (?P<n>\S+) {en}, found (?P<v>.*)", f"erwartet: höchstens {{n}} {de}, gefunden: {{v}}")
        for en, de in (
            ("places", "Plätze"),
            ("entries a year", "Eintritte je Jahr"),
            ("people a month", "Zugänge je Monat"),
            ("EUR a year", "EUR je Jahr"),
            ("case managers", "Fallmanagerinnen und Fallmanager"),
        )
    ]
    + [
        (
            r"expected at most (?P<n>\S+) people a month at the peak \(inflow x its largest monthly factor, plus every "
            r"wave\), found (?P<v>.*)",
            "erwartet: höchstens {n} Zugänge je Monat in der Spitze (Zugang × größter Monatsfaktor, dazu jede Welle), "
            "gefunden: {v}",
        ),
        (
            r"(?P<n>\S+) % of segment (?P<v>'[^']*') are not eligible for (?P<p>'[^']*') \((?P<f>[^)]*)\); on day one they "
            r"are placed on its list all the same",
            "{n} % der Gruppe {v} sind für {p} nicht zugangsberechtigt ({f}); am ersten Tag werden sie trotzdem auf die "
            "Warteliste gesetzt",
        ),
        (
            r"expected the first step on or before the start \((?P<d>[^)]*)\), found (?P<v>.*)",
            "erwartet: die erste Stufe am oder vor dem Start ({d}), gefunden: {v}",
        ),
        (
            r"expected a date before the end of the simulated time \((?P<d>[^)]*)\), found (?P<v>.*)",
            "erwartet: ein Datum vor dem Ende des simulierten Zeitraums ({d}), gefunden: {v}",
        ),
        (r"expected a whole number, found (?P<v>.*)", "erwartet: eine ganze Zahl, gefunden: {v}"),
        (
            r"expected a defined hazard (?P<list>\[.*\]), found (?P<v>'.*')",
            "erwartet: ein definierter Übergang {list}, gefunden: {v}",
        ),
        (
            r"expected each programme in one budget at most, found (?P<v>'[^']*') also in (?P<b>\S+)",
            "erwartet: jede Maßnahme in höchstens einem Budget, gefunden: {v} auch in {b}",
        ),
        (
            r"expected a programme with a cost_per_month above 0 \(an entry commits cost x mean duration\), found "
            r"(?P<v>'[^']*') with none",
            "erwartet: eine Maßnahme mit cost_per_month über 0 (ein Eintritt bindet Kosten × mittlere Dauer), gefunden: {v} "
            "ohne Kosten",
        ),
        (
            r"expected time to pass on every circle of moves, found zero-length programmes, gaps or patience routing into "
            r"each other: (?P<v>.*)",
            "erwartet: auf jedem Kreis von Wechseln vergeht Zeit, gefunden: Maßnahmen, Lücken oder Wartegeduld der Länge "
            "null, die ineinander führen: {v}",
        ),
        (
            r"no exit from benefit receipt can be reached from: (?P<v>.*) \(customers there would stay for ever; add a route "
            r"option or hazard leading to 'exit:<kind>'\); in the end nobody is admitted to (?P<w>.*) \((?P<f>[^()]*) = 0\)",
            "von hier ist kein Abgang aus dem Leistungsbezug erreichbar: {v} (Kundinnen und Kunden blieben dort für immer; "
            "eine Wegoption oder einen Übergang nach 'exit:<kind>' ergänzen); am Ende wird niemand mehr aufgenommen in {w} "
            "({f} = 0)",
        ),
        (
            r"no exit from benefit receipt can be reached from: (?P<v>.*) \(customers there would stay for ever; add a route "
            r"option or hazard leading to 'exit:<kind>'\)",
            "von hier ist kein Abgang aus dem Leistungsbezug erreichbar: {v} (Kundinnen und Kunden blieben dort für immer; "
            "eine Wegoption oder einen Übergang nach 'exit:<kind>' ergänzen)",
        ),
        (
            r"list should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+), found (?P<v>.*)",
            "erwartet: eine Liste mit mindestens {n} Einträgen, gefunden: {m} Einträge, {v}",
        ),
        (
            r"expected 'wait', 'case_management', 'no_contact' or 'programme:<name>' \(no money for a programme does not "
            r"end benefit receipt\), found (?P<v>'.*')",
            "erwartet: 'wait', 'case_management', 'no_contact' oder 'programme:<name>' (fehlendes Geld für eine Maßnahme "
            "beendet den Leistungsbezug nicht), gefunden: {v}",
        ),
        (
            r"expected 'case_management', 'no_contact' or 'programme:<name>' \(a newcomer starts in benefit receipt; "
            r"hazards and the routes after programmes lead out of it\), found (?P<v>'.*')",
            "erwartet: 'case_management', 'no_contact' oder 'programme:<name>' (wer neu kommt, beginnt im "
            "Leistungsbezug; Übergänge und die Wege nach Maßnahmen führen hinaus), gefunden: {v}",
        ),
        # durations by condition
        (
            r"the last rule must have no 'when': it gives the duration of everyone the rules before it do not",
            "die letzte Regel darf kein 'when' haben: sie gibt die Dauer aller, für die keine Regel davor gilt",
        ),
        (
            r"expected a 'when' on every rule but the last, found none on rule (?P<i>\d+) of (?P<n>\d+) \(the rules after "
            r"it would never apply\)",
            "erwartet: ein 'when' an jeder Regel außer der letzten, gefunden: keins an Regel {i} von {n} (die Regeln "
            "danach kämen nie zum Zug)",
        ),
        # pools
        (
            r"expected a programme without cohorts \(classes in a pool are not supported\), found (?P<v>'[^']*') with cohorts",
            "erwartet: eine Maßnahme ohne Kurse in Klassen (cohorts; in einem Pool nicht möglich), gefunden: {v} mit cohorts",
        ),
        (
            r"expected a programme without its own waiting_list\.priority \(the shared list serves by the priority of the pool\), "
            r"found (?P<v>'[^']*') with priority groups of its own",
            "erwartet: eine Maßnahme ohne eigene waiting_list.priority (die gemeinsame Warteliste folgt dem Vorrang des "
            "Pools), gefunden: {v} mit eigenen Vorranggruppen",
        ),
        (
            r'expected places or waiting_list = "shared" \(a pool without either changes nothing\), found neither',
            'erwartet: places oder waiting_list = "shared" (ein Pool ohne beides ändert nichts), gefunden: keins von beiden',
        ),
        (
            r'expected priority groups only with waiting_list = "shared", found (?P<n>\d+) with waiting_list = (?P<v>"[^"]*")',
            'erwartet: Vorranggruppen nur mit waiting_list = "shared", gefunden: {n} mit waiting_list = {v}',
        ),
        (
            r"expected each programme in one pool at most, found (?P<v>'[^']*') also in (?P<b>\S+)",
            "erwartet: jede Maßnahme in höchstens einem Pool, gefunden: {v} auch in {b}",
        ),
        (r"programmes must be distinct, found (?P<v>.*)", "erwartet: verschiedene Maßnahmen, gefunden: {v}"),
        # staffing
        (
            r"expected where the caseload effect comes from \(a reference, or 'assumption'\), found nothing",
            "erwartet: woher die Wirkung des Betreuungsschlüssels stammt (eine Quelle oder 'assumption'), gefunden: nichts",
        ),
        (
            r"expected a state pattern such as 'case_management', 'no_contact', 'waiting:<programme>', "
            r"'programme:<programme>' or 'programme:\*', found (?P<v>'.*')",
            "erwartet: ein Zustandsmuster wie 'case_management', 'no_contact', 'waiting:<programme>', "
            "'programme:<programme>' oder 'programme:*', gefunden: {v}",
        ),
        (
            r"expected each state in the caseload of one staffing group at most, found (?P<v>'[^']*') also in (?P<b>\S+)",
            "erwartet: jeder Zustand im Fallbestand höchstens einer Personalgruppe, gefunden: {v} auch in {b}",
        ),
        (
            r"expected each hazard in one staffing group at most, found (?P<v>'[^']*') also in (?P<b>\S+)",
            "erwartet: jeder Übergang in höchstens einer Personalgruppe, gefunden: {v} auch in {b}",
        ),
    ]
)
QUOTES_HINT = (" (a number is written without quotes)", " (eine Zahl wird ohne Anführungszeichen geschrieben)")

ENGLISH_NOTE = {"en": "", "de": "(Prüfmeldung nur auf Englisch) "}
_COMPILED = [(re.compile(p, re.DOTALL), de) for p, de in MESSAGES]
_INPUT = [(re.compile(p, re.DOTALL), de) for p, de in INPUT_SHOULD_BE]
_INPUT_MSG = re.compile(r"input should be (?P<what>.*?), found (?P<v>.*)", re.DOTALL)


def german(message: str) -> str | None:
    """The message in German, or None if no pattern of the catalogue matches it whole."""
    m = _INPUT_MSG.fullmatch(message)
    if m:
        found = m["v"]
        if found.endswith(QUOTES_HINT[0]):
            found = found[: -len(QUOTES_HINT[0])] + QUOTES_HINT[1]
        for pattern, de in _INPUT:
            w = pattern.fullmatch(m["what"])
            if w:
                return f"erwartet: {de.format(**w.groupdict())}, gefunden: {found}"
    for pattern, de in _COMPILED:
        m = pattern.fullmatch(message)
        if m:
            return de.format(**m.groupdict())
    return None


def translate(message: str, lang: str) -> str:
    """A check message in the page's language; an unknown message is kept in English, marked as such."""
    if lang != "de":
        return message
    de = german(message)
    return de if de is not None else ENGLISH_NOTE["de"] + message


def english_fragments() -> list[str]:
    """Fixed English parts of the catalogue's templates (for tests that scan a German page)."""
    out = set()
    for p, _ in MESSAGES + INPUT_SHOULD_BE:
        for part in re.split(r"\(\?P<\w+>[^)]*\)|\\.|[()\[\]|?*+]", p):
            part = part.strip(" .,:;'")
            if len(part) >= 10:
                out.add(part)
    return sorted(out)
