"""Observed and planned figures (a calibration targets file) as reference lines in the report.

The file is optional. The default (calibration/targets/kassel.toml) describes one job centre,
so it is drawn only for scenarios that model it: those defining every programme its entry
targets name. A file given explicitly with --targets is always drawn.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_NAME = Path("calibration") / "targets" / "kassel.toml"

# metric of the targets file -> (summary indicator, how a yearly figure becomes a monthly one)
MONTHLY_METRICS = {
    "elb_stock_mean": ("elb_stock", 1.0),
    "integrations": ("integrations", 1 / 12),
    "iq": ("iq", 1.0),
    "lzb_share": ("lzb_share", 1.0),
}


@dataclass
class Target:
    key: str
    label: str
    metric: str
    value: float
    low: float | None = None
    high: float | None = None
    source: str = ""
    programmes: list[str] = field(default_factory=list)
    label_de: str = ""

    def label_in(self, lang: str) -> str:
        """The label in the report's language (German: `label_de` if the file gives one)."""
        return (self.label_de if lang == "de" else "") or self.label


@dataclass
class Targets:
    file: Path
    year: int
    items: list[Target]

    def monthly(self, indicator: str) -> list[tuple[Target, float]]:
        """Targets drawn on a monthly chart of `indicator`, with the factor from yearly to monthly."""
        return [
            (t, MONTHLY_METRICS[t.metric][1])
            for t in self.items
            if t.metric in MONTHLY_METRICS and MONTHLY_METRICS[t.metric][0] == indicator
        ]

    def entry_groups(self) -> list[Target]:
        return [t for t in self.items if t.metric == "entries" and t.programmes]


def default_file() -> Path | None:
    """The Kassel targets file next to the working directory or the installed package, if any."""
    here = Path(__file__).resolve().parents[2] / DEFAULT_NAME
    for f in (Path.cwd() / DEFAULT_NAME, here):
        if f.is_file():
            return f
    return None


def read_targets(path: Path) -> Targets:
    """Parse a targets file; ValueError with the file and field on anything unexpected."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: expected a targets TOML file, found: {e}") from None
    items = []
    for key, t in (data.get("targets") or {}).items():
        if not isinstance(t, dict) or "metric" not in t or "value" not in t:
            raise ValueError(f"{path}: targets.{key}: expected a table with metric and value, found {t!r}")
        items.append(
            Target(
                key,
                str(t.get("label", key)),
                str(t["metric"]),
                float(t["value"]),
                _num(t.get("low")),
                _num(t.get("high")),
                str(t.get("source", "")),
                [str(p) for p in t.get("programmes", [])],
                str(t.get("label_de", "")),
            )
        )
    year = data.get("year")
    if not isinstance(year, int):
        raise ValueError(f"{path}: year: expected the calendar year the targets describe, found {year!r}")
    return Targets(Path(path), year, items)


def _num(x) -> float | None:
    return None if x is None else float(x)


def applies(targets: Targets, programmes: list[str]) -> bool:
    """A targets file fits a scenario that defines every programme its entry targets name."""
    named = {p for t in targets.entry_groups() for p in t.programmes}
    return bool(named) and named <= set(programmes)


def targets_for(explicit: str | None, programmes: list[str]) -> Targets | None:
    """The targets to draw: the explicit file, or the default one when it fits; None otherwise."""
    if explicit is not None:
        return read_targets(Path(explicit))
    f = default_file()
    if f is None:
        return None
    try:
        t = read_targets(f)
    except ValueError:
        return None
    return t if applies(t, programmes) else None
