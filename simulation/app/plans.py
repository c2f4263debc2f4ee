"""A value over calendar time as a planner types it: "60.000 ab 01.01.2024; 50.000 ab 01.01.2025".

One number is a value for the whole horizon; steps are "value ab date" (English "value from date"),
separated by ";". The first step may leave out its date: it holds from the start. Dates are written
01.04.2024 or 2024-04-01 in either language; numbers in the language's format. A factor scales every
step ("−20 %" is 0,8).
"""

from __future__ import annotations

import datetime as dt
import re

from simulation.app.changes import date_text

STEP = re.compile(r"^(?P<num>.*?)\s*(?:\b(?:ab|from|von)\s+(?P<date>\S+))?$", re.IGNORECASE)


def show_plan(value, lang: str, show_number) -> str:
    """A number, or steps (dicts with "from" and "value"), in the plan notation of the language."""
    if not isinstance(value, list):
        return show_number(value, lang)
    word = "ab" if lang == "de" else "from"
    return "; ".join(f"{show_number(s['value'], lang)} {word} {date_text(s['from'], lang)}" for s in value)


def parse_date(text: str) -> dt.date:
    text = text.strip().rstrip(".,;")
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return dt.date.fromisoformat(text)


def parse_plan(text: str, lang: str, start: dt.date, parse_number):
    """The number or steps a text stands for; ValueError if it is neither (or the dates do not increase)."""
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    if not parts:
        raise ValueError("empty")
    steps = []
    for i, part in enumerate(parts):
        m = STEP.match(part)
        if m is None or not m.group("num").strip():
            raise ValueError(part)
        value = parse_number(m.group("num"), lang)
        if m.group("date") is None:
            if len(parts) == 1:
                return value
            if i:
                raise ValueError(f"a date after the first step: {part}")
            day = start
        else:
            day = parse_date(m.group("date"))
        steps.append({"from": day, "value": value})
    if any(b["from"] <= a["from"] for a, b in zip(steps, steps[1:])):
        raise ValueError("dates must increase")
    return steps


def scaled(value, factor: float):
    """Every step (or the number) times a factor, to six decimals (0,8 x 53 is 42,4, not 42,400000000000006)."""
    if factor == 1.0:
        return value
    if isinstance(value, list):
        return [{"from": s["from"], "value": round(s["value"] * factor, 6)} for s in value]
    return round(value * factor, 6)


def same_plan(a, b) -> bool:
    """Two values over time alike: the same numbers from the same dates (dates as dates or ISO text)."""

    def norm(v):
        if isinstance(v, list):
            return [(str(s["from"])[:10], float(s["value"])) for s in v]
        return None if v is None else float(v)

    return norm(a) == norm(b)
