"""What each column of `monthly.parquet` is: its § 48a code, labels, unit, yearly rule, and the
function that computes it.

One entry per indicator, declared with the column, so that batch summaries, the report and
the app read how to turn months into a year (and how to label it) from here, never from the
column's name. Columns by sex (`<name>_<level>`) or by kind (`<name>_<kind>`) share the entry
of their indicator. docs/outputs.md gives the full definitions.

`monthly()` (compute.py) is a loop over `INDICATORS` in order: each entry's function gets the
prepared spells (prepared.py) and its entry, may use the columns of the entries before it, and
returns exactly the entry's columns (`Indicator.columns`). A new indicator is one entry here
(`register` adds one at run time) and its function; `columns` gives the table's column order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..scenario.schema import EXIT_KINDS, HOUSEHOLD_TYPES, INTEGRATION_KINDS
from . import core
from . import kennzahlen as kz

# How a year's value comes from its months (a year cut short by the horizon uses its months only)
SUM = "sum"  # flows: summed; empty if any month of the year is empty (not known yet)
MEAN = "mean"  # stocks: mean of the month-end values
LAST = "last"  # comparisons with the year before and 12-month averages: the year's last month
RATIO = "ratio"  # a quota: the yearly numerator over the yearly denominator (each by its own rule)
RULES = (SUM, MEAN, LAST, RATIO)

UNITS = ("days", "persons", "households", "ratio", "share", "change")  # share and change are shown as percent
KINDS = {
    "exit_kind": EXIT_KINDS,
    "integration_kind": INTEGRATION_KINDS,
    "household_type": HOUSEHOLD_TYPES,
}  # levels in column order


@dataclass(frozen=True)
class Indicator:
    """One monthly column (and its per-sex or per-kind columns), and the function computing them."""

    name: str
    code: str  # § 48a SGB II code (K2, K2E3, ...), "" for a plain count
    label_en: str
    label_de: str
    unit: str  # one of UNITS
    yearly: str  # one of RULES
    by: tuple[str, ...] = ("sex",)  # suffixes that exist: "sex", "exit_kind", "integration_kind"
    num: str = ""  # RATIO: numerator and denominator columns (same suffix)
    den: str = ""
    compute: Callable | None = field(default=None, compare=False)  # (Prepared, Indicator) -> {column: values}
    headline: bool = False  # one of the headline indicators (HEADLINE) of the summaries, report and app
    sex_after: str = ""  # the by-sex columns follow this entry's columns instead of their own

    def __post_init__(self):
        assert self.yearly in RULES and self.unit in UNITS, self
        assert (self.yearly == RATIO) == bool(self.num and self.den), self
        assert all(b == "sex" or b in KINDS for b in self.by), self

    @property
    def percent(self) -> bool:
        return self.unit in ("share", "change")

    def label(self, lang: str) -> str:
        text = self.label_de if lang == "de" else self.label_en
        return f"{self.code} {text}" if self.code else text

    def columns(self, sexes) -> list[str]:
        """The columns this entry's function returns: its own, then by kind and by sex as `by` says."""
        cols = [self.name]
        for b in self.by:
            cols += [f"{self.name}_{level}" for level in (sexes if b == "sex" else KINDS[b])]
        return cols


def _i(name, code, en, de, unit, yearly, by=("sex",), num="", den="", fn=None, headline=False, sex_after=""):
    return Indicator(name, code, en, de, unit, yearly, tuple(by), num, den, fn, headline, sex_after)


NOSEX: tuple[str, ...] = ()
FLOWS_BY_SEX_AFTER = "lzb_share"  # where the inflows and outflows by sex have always been (tests/golden)

INDICATORS: tuple[Indicator, ...] = (
    _i("month_end_day", "", "End of month (days)", "Monatsende (Tage)", "days", LAST, NOSEX, fn=core.month_end_day),
    _i("elb_stock", "", "eLb stock", "eLb-Bestand", "persons", MEAN, fn=core.elb_stock, headline=True),
    _i("inflows", "", "Inflows", "Zugänge", "persons", SUM, fn=core.inflows, sex_after=FLOWS_BY_SEX_AFTER),
    _i(
        "outflows",
        "",
        "Outflows",
        "Abgänge",
        "persons",
        SUM,
        ("exit_kind", "sex"),
        fn=core.outflows,
        sex_after=FLOWS_BY_SEX_AFTER,
    ),
    _i(
        "integrations",
        "",
        "Integrations",
        "Integrationen",
        "persons",
        SUM,
        ("integration_kind", "sex"),
        fn=core.integrations,
        headline=True,
    ),
    _i(
        "iq",
        "K2",
        "Integrationsquote",
        "Integrationsquote",
        "share",
        RATIO,
        num="integrations",
        den="elb_stock",
        fn=kz.quota,
        headline=True,
    ),
    _i(
        "lzb_stock",
        "",
        "Long-term benefit recipients (LZB)",
        "Langzeitleistungsbeziehende (LZB)",
        "persons",
        MEAN,
        fn=core.lzb_stock,
        headline=True,
    ),
    _i(
        "lzb_share",
        "",
        "LZB share of eLb",
        "LZB-Anteil am eLb-Bestand",
        "share",
        RATIO,
        NOSEX,
        num="lzb_stock",
        den="elb_stock",
        fn=kz.share,
        headline=True,
    ),
    # K1: reduction of need (the eLb side; the money sums K1, K1E1 are not modelled)
    _i(
        "elb_change",
        "K1E2",
        "Change in the number of eLb",
        "Veränderung der Zahl der eLb",
        "change",
        LAST,
        fn=kz.change("elb_stock"),
    ),
    _i(
        "inflow_rate",
        "K1E3",
        "Average inflow rate of eLb",
        "Durchschnittliche Zugangsrate der eLb",
        "share",
        LAST,
        fn=kz.mean_rate("inflows", "elb_stock"),
    ),  # over the stock of the same month
    _i(
        "outflow_rate",
        "K1E4",
        "Average outflow rate of eLb",
        "Durchschnittliche Abgangsrate der eLb",
        "share",
        LAST,
        fn=kz.mean_rate("outflows", "elb_stock", before=True),
    ),  # over the month before's (day one's)
    # K2: integration into work
    _i(
        "marginal_entries",
        "",
        "Entries into marginal employment",
        "Eintritte in geringfügige Beschäftigung",
        "persons",
        SUM,
        fn=kz.programme_entries("marginal_employment"),
    ),
    _i(
        "marginal_quota",
        "K2E1",
        "Rate of entries into marginal employment",
        "Quote der Eintritte in geringfügige Beschäftigung",
        "share",
        RATIO,
        num="marginal_entries",
        den="elb_stock",
        fn=kz.quota,
    ),
    _i(
        "public_entries",
        "",
        "Entries into publicly funded employment",
        "Eintritte in öffentlich geförderte Beschäftigung",
        "persons",
        SUM,
        fn=kz.programme_entries("public_employment"),
    ),
    _i(
        "public_quota",
        "K2E2",
        "Rate of entries into publicly funded employment",
        "Quote der Eintritte in öffentlich geförderte Beschäftigung",
        "share",
        RATIO,
        num="public_entries",
        den="elb_stock",
        fn=kz.quota,
    ),
    _i(
        "integrations_continuous",
        "",
        "Integrations followed by continuous employment",
        "Integrationen mit kontinuierlicher Beschäftigung",
        "persons",
        SUM,
        fn=kz.integrations_continuous,
    ),
    _i(
        "continuous_share",
        "K2E3",
        "Continuous employment after integration",
        "Kontinuierliche Beschäftigung nach Integration",
        "share",
        RATIO,
        num="integrations_continuous",
        den="integrations",
        fn=kz.quota_of_sums,
    ),
    _i(
        "elb_stock_single_parent",
        "",
        "eLb stock, single parents",
        "eLb-Bestand, Alleinerziehende",
        "persons",
        MEAN,
        fn=kz.elb_stock_single_parent,
    ),
    _i(
        "integrations_single_parent",
        "",
        "Integrations of single parents",
        "Integrationen von Alleinerziehenden",
        "persons",
        SUM,
        fn=kz.integrations_single_parent,
    ),
    _i(
        "single_parent_iq",
        "K2E4",
        "Integrationsquote of single parents",
        "Integrationsquote der Alleinerziehenden",
        "share",
        RATIO,
        num="integrations_single_parent",
        den="elb_stock_single_parent",
        fn=kz.quota,
    ),
    # K3: avoiding long-term benefit receipt
    _i(
        "lzb_change",
        "K3",
        "Change in the LZB stock",
        "Veränderung des Bestands an LZB",
        "change",
        LAST,
        fn=kz.change("lzb_stock"),
    ),
    _i("integrations_lzb", "", "Integrations of LZB", "Integrationen von LZB", "persons", SUM, fn=kz.integrations_lzb),
    _i(
        "lzb_iq",
        "K3E1",
        "Integrationsquote of LZB",
        "Integrationsquote der LZB",
        "share",
        RATIO,
        num="integrations_lzb",
        den="lzb_stock",
        fn=kz.quota,
    ),
    _i(
        "lzb_in_programme",
        "",
        "LZB taking part in a programme",
        "LZB in einer Maßnahme",
        "persons",
        MEAN,
        fn=kz.lzb_in_programme,
    ),
    _i(
        "lzb_activation",
        "K3E2",
        "Activation rate of LZB",
        "Aktivierungsquote der LZB",
        "share",
        RATIO,
        num="lzb_in_programme",
        den="lzb_stock",
        fn=kz.share,
    ),
    _i("lzb_inflows", "", "Inflows into LZB", "Zugänge in den LZB-Bestand", "persons", SUM, fn=kz.lzb_inflows),
    _i("lzb_outflows", "", "Outflows from LZB", "Abgänge aus dem LZB-Bestand", "persons", SUM, fn=kz.lzb_outflows),
    _i(
        "lzb_inflow_rate",
        "K3E3",
        "Average inflow rate of LZB",
        "Durchschnittliche Zugangsrate der LZB",
        "share",
        LAST,
        fn=kz.mean_rate("lzb_inflows", "lzb_stock"),
    ),
    _i(
        "lzb_outflow_rate",
        "K3E4",
        "Average outflow rate of LZB",
        "Durchschnittliche Abgangsrate der LZB",
        "share",
        LAST,
        fn=kz.mean_rate("lzb_outflows", "lzb_stock", before=True),
    ),
    # households (Bedarfsgemeinschaften) and work alongside benefit
    _i(
        "bg_stock",
        "",
        "Households in benefit (BG)",
        "Bedarfsgemeinschaften",
        "households",
        MEAN,
        ("household_type",),
        fn=core.bg_stock,
    ),
    _i(
        "non_able_members",
        "",
        "Non-able members of households in benefit",
        "Nicht erwerbsfähige Leistungsberechtigte",
        "persons",
        MEAN,
        NOSEX,
        fn=core.non_able_members,
    ),
    _i(
        "recipients",
        "",
        "Recipients (eLb and non-able members)",
        "Leistungsberechtigte insgesamt",
        "persons",
        MEAN,
        NOSEX,
        fn=core.recipients,
    ),
    _i(
        "elb_per_bg",
        "",
        "eLb per household",
        "eLb je Bedarfsgemeinschaft",
        "ratio",
        RATIO,
        NOSEX,
        num="elb_stock",
        den="bg_stock",
        fn=kz.share,
    ),
    _i(
        "integrations_ending_need",
        "",
        "Integrations ending the household's need",
        "Bedarfsdeckende Integrationen",
        "persons",
        SUM,
        fn=core.integrations_ending_need,
    ),
    _i(
        "need_ending_share",
        "",
        "Share of integrations ending the household's need",
        "Anteil bedarfsdeckender Integrationen",
        "share",
        RATIO,
        num="integrations_ending_need",
        den="integrations",
        fn=kz.share,
    ),
    _i(
        "topped_up_stock",
        "",
        "Employed eLb with topped-up benefit",
        "Erwerbstätige eLb (Aufstocker)",
        "persons",
        MEAN,
        fn=core.topped_up_stock,
    ),
)


def _index() -> None:
    """The lookups derived from INDICATORS (again after `register`)."""
    global BY_NAME, HEADLINE, _LONGEST_FIRST
    BY_NAME = {ind.name: ind for ind in INDICATORS}
    assert len(BY_NAME) == len(INDICATORS), "two entries with one name"
    for ind in INDICATORS:
        assert not ind.sex_after or list(BY_NAME).index(ind.sex_after) > list(BY_NAME).index(ind.name), ind.name
    HEADLINE = tuple(ind.name for ind in INDICATORS if ind.headline)  # in the registry's order
    _LONGEST_FIRST = sorted(INDICATORS, key=lambda ind: len(ind.name), reverse=True)


BY_NAME: dict[str, Indicator]
HEADLINE: tuple[str, ...]
_LONGEST_FIRST: list[Indicator]
_index()


def register(ind: Indicator) -> Indicator:
    """Add an indicator after the others: monthly() computes it, and the summaries, the report and
    the app know its yearly rule and labels (docs/outputs.md should still describe it)."""
    global INDICATORS
    if ind.name in BY_NAME:
        raise ValueError(f"indicator '{ind.name}' is registered already")
    INDICATORS = INDICATORS + (ind,)
    _index()
    return ind


def columns(sexes) -> list[str]:
    """The columns of the monthly table after `month`, in order: each entry's columns in turn
    (`Indicator.columns`), save by-sex columns declared `sex_after` another entry, which follow
    that entry's columns."""

    def by_sex(ind: Indicator) -> list[str]:
        return [f"{ind.name}_{sx}" for sx in sexes] if "sex" in ind.by else []

    out = []
    for ind in INDICATORS:
        late = by_sex(ind) if ind.sex_after else []
        out += [c for c in ind.columns(sexes) if c not in late]
        for other in INDICATORS:
            if other.sex_after == ind.name:
                out += by_sex(other)
    return out


class UnknownColumn(KeyError):
    """A monthly column with no entry here: it must be declared before it can be summarised."""


def lookup(column: str) -> tuple[Indicator, str]:
    """The indicator of a monthly column and the column's suffix ("" / "_female" / "_employment").

    An exact name wins; else the longest name that the column extends by a known kind, or by a
    sex level when the indicator is reported by sex (sex levels are the scenario's own).
    """
    if column in BY_NAME:
        return BY_NAME[column], ""
    for ind in _LONGEST_FIRST:
        if ind.by and column.startswith(ind.name + "_"):
            rest = column[len(ind.name) + 1 :]
            if any(rest in KINDS[b] for b in ind.by if b in KINDS) or "sex" in ind.by:
                return ind, "_" + rest
    raise UnknownColumn(f"monthly column '{column}' has no entry in simulation/indicators/registry.py")


def yearly_rule(column: str) -> str:
    return lookup(column)[0].yearly


def ratio_parts(column: str) -> tuple[str, str]:
    """Numerator and denominator columns of a RATIO column (with the column's suffix)."""
    ind, suffix = lookup(column)
    return ind.num + suffix, ind.den + suffix
