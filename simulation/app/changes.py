"""What a variant changes, as sentences a planner reads: labels instead of field paths, numbers and dates in the
language's format ("Eingliederungsbudget: 18.899.393 € → 15.119.514 € ab 01.01.2024")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from simulation.report.labels import exit_label
from simulation.report.labels import t as label
from simulation.report.tables import number

# the words of the sentences (the app's own; the report's catalogue is simulation/report/labels.py)
WORDS: dict[str, dict[str, str]] = {
    "none_value": {"en": "none", "de": "keiner"},
    "yes": {"en": "yes", "de": "ja"},
    "no": {"en": "no", "de": "nein"},
    "from_date": {"en": "from {date}", "de": "ab {date}"},
    "euro_sign": {"en": "EUR", "de": "€"},
    "no_quota": {"en": "no quota", "de": "kein Kontingent"},
    "cost_per_place_month": {"en": "cost per place and month", "de": "Kosten je Platz und Monat"},
    "duration": {"en": "duration", "de": "Dauer"},
    "dur_mean": {"en": "mean", "de": "Mittelwert"},
    "dur_sd": {"en": "standard deviation", "de": "Standardabweichung"},
    "dur_value": {"en": "value", "de": "Wert"},
    "dur_low": {"en": "shortest", "de": "kürzeste"},
    "dur_high": {"en": "longest", "de": "längste"},
    "dur_scale": {"en": "scale", "de": "Skala"},
    "dur_shape": {"en": "shape", "de": "Form"},
    "dur_dist": {"en": "kind of distribution", "de": "Art der Verteilung"},
    "dur_unit": {"en": "unit", "de": "Einheit"},
    "rate_per_month": {"en": "rate per month", "de": "Rate je Monat"},
    "hazard_named": {"en": "Transition {name} (to {to})", "de": "Übergang {name} (nach {to})"},
    "inflow_per_month": {"en": "Inflow per month", "de": "Zugänge je Monat"},
    "wave_named": {"en": "Wave {name}", "de": "Welle {name}"},
    "per_month_word": {"en": "per month", "de": "je Monat"},
}


def t(key: str, lang: str, **kw) -> str:
    """A word of the sentences, else a label of the report's catalogue, in the language."""
    if key in WORDS:
        text = WORDS[key]["de" if lang == "de" else "en"]
        return text.format(**kw) if kw else text
    return label(key, lang, **kw)


DURATION_PARTS = {
    "mean": "dur_mean",
    "sd": "dur_sd",
    "value": "dur_value",
    "low": "dur_low",
    "high": "dur_high",
    "scale": "dur_scale",
    "shape": "dur_shape",
    "dist": "dur_dist",
    "unit": "dur_unit",
}


def _label(spec: dict, name: str, lang: str) -> str:
    text = (spec.get("label_de") if lang == "de" else "") or spec.get("label") or name
    return re.sub(r"\s*\[[^\]]*\]", "", str(text)).strip() or name  # without its sources


def date_text(d: Any, lang: str) -> str:
    """A date as the language writes it: 01.04.2024 in German, 2024-04-01 in English."""
    day = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
    return f"{day:%d.%m.%Y}" if lang == "de" else day.isoformat()


def value_text(value: Any, lang: str, unit: str = "", none: str = "") -> str:
    """A value of a scenario as written for a planner: a number in the language's format (with its unit), steps
    over calendar time as "x from date, y from date", nothing as `none`."""
    if value is None:
        return none or t("none_value", lang)
    if isinstance(value, bool):
        return t("yes", lang) if value else t("no", lang)
    if isinstance(value, (int, float)):
        x = float(value)
        if x and abs(x) < 1e-4:
            return f"{x:.3g}".replace(".", "," if lang == "de" else ".") + unit
        shown = repr(x)
        decimals = 0 if x.is_integer() or "e" in shown else min(4, len(shown.split(".")[-1]))
        return f"{number(x, min(decimals, 2) if unit.strip() in ('EUR', '€') else decimals, lang)}{unit}"
    if isinstance(value, list) and value and all(isinstance(s, dict) and "from" in s for s in value):
        return ", ".join(
            f"{value_text(s.get('value'), lang, unit)} {t('from_date', lang, date=date_text(s['from'], lang))}"
            for s in value
        )
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def describe(path: str, base: Any, variant: Any, content: dict, lang: str) -> str:
    """One change of a variant against its base content, as a sentence."""
    parts = path.split(".")
    euro = f" {t('euro_sign', lang)}"
    progs, arrow = content.get("programmes", {}), " → "

    def say(subject: str, what: str, unit: str = "", none: str = "") -> str:
        head = f"{subject}: {what} " if what else f"{subject}: "
        return head + value_text(base, lang, unit, none) + arrow + value_text(variant, lang, unit, none)

    if parts[0] == "programmes" and len(parts) >= 3 and parts[1] in progs:
        label, field = _label(progs[parts[1]], parts[1], lang), parts[2]
        if field == "places":
            return say(label, t("places", lang), none=t("unlimited", lang))
        if field == "entries_per_year":
            return say(label, t("entries_per_year", lang), none=t("no_quota", lang))
        if field == "cost_per_month":
            return say(label, t("cost_per_place_month", lang), euro)
        if field == "duration":
            part = t(DURATION_PARTS.get(parts[-1], "dur_value"), lang) if len(parts) > 3 else ""
            return say(label, f"{t('duration', lang)}{', ' + part if part else ''}")
        return say(label, field)
    if parts[0] == "budgets" and len(parts) >= 3:
        spec = content.get("budgets", {}).get(parts[1], {})
        if parts[2] == "per_year":
            return say(_label(spec, parts[1], lang), "", euro)
        return say(_label(spec, parts[1], lang), parts[2])
    if parts[0] == "staffing" and len(parts) >= 3:
        spec = content.get("staffing", {}).get(parts[1], {})
        what = t("case_managers", lang) if parts[2] == "staff" else parts[2]
        return say(_label(spec, parts[1], lang), what)
    if parts[0] == "pools" and len(parts) >= 3:
        spec = content.get("pools", {}).get(parts[1], {})
        what = t("pool_places", lang) if parts[2] == "places" else parts[2]
        return say(_label(spec, parts[1], lang), what)
    if parts[0] == "hazards" and len(parts) >= 3:
        spec = content.get("hazards", {}).get(parts[1], {})
        to = str(spec.get("to", ""))
        target = (
            _label(progs.get(to.split(":", 1)[1], {}), to.split(":", 1)[1], lang)
            if to.startswith("programme:")
            else exit_label(to.split(":", 1)[1], lang)
            if to.startswith("exit:")
            else to
        )
        what = t("rate_per_month", lang) if parts[2] == "rate_per_month" else parts[2]
        return say(t("hazard_named", lang, name=parts[1], to=target), what)
    if parts[:3] == ["population", "inflow", "per_month"]:
        return say(t("inflow_per_month", lang), "")
    if parts[:2] == ["population", "waves"] and len(parts) >= 4:
        return say(
            t("wave_named", lang, name=parts[2]), t("per_month_word", lang) if parts[3] == "per_month" else parts[3]
        )
    return say(path, "")
