"""The optimisation spec file (OPT.toml): what may change, what it may cost, what counts as better.

Data, never code: read with tomllib, validated field by field like a scenario, then checked
against the scenario it optimises (programmes and pools that exist and have places, dates
within the horizon, indicators the batch statistics know). docs/optimise.md lists every field.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ScenarioError
from ..scenario.schema import MAX_COUNT, Scenario, is_steps

NAME_OF_FILE = "optimisation spec"


class SpecError(ScenarioError):
    """An invalid spec file (or one that does not fit its scenario): which field, what was expected."""

    def __str__(self) -> str:
        from ..errors import MAX_SHOWN, shorten

        n = len(self.problems)
        lines = [f"{shorten(self.file)}: invalid {NAME_OF_FILE} ({n} problem{'s' if n > 1 else ''})"]
        lines += [f"  {shorten(path) or '(file)'}: {shorten(msg, 600)}" for path, msg in self.problems[:MAX_SHOWN]]
        if n > MAX_SHOWN:
            lines.append(f"  ... and {n - MAX_SHOWN} more")
        return "\n".join(lines)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Variable(_Strict):
    """Places of one programme or pool, from a date on (a step of the plan), chosen from min..max by step."""

    programme: str | None = None
    pool: str | None = None
    min: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    max: Annotated[int, Field(ge=0, le=MAX_COUNT)]
    step: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    from_: dt.date | None = Field(default=None, alias="from")  # none: the whole horizon

    @model_validator(mode="after")
    def _one_target(self):
        if (self.programme is None) == (self.pool is None):
            raise ValueError("expected exactly one of 'programme' or 'pool'")
        if self.max < self.min:
            raise ValueError(f"expected max >= min, found min = {self.min}, max = {self.max}")
        return self

    @property
    def target(self) -> str:
        return self.programme if self.programme is not None else f"pool:{self.pool}"

    @property
    def levels(self) -> int:
        """How many values the variable can take: min, min + step, ... up to max."""
        return (self.max - self.min) // self.step + 1

    def value(self, index: int) -> int:
        return self.min + index * self.step

    def index(self, value: int) -> int | None:
        """The grid index of a value (None if it is off the grid)."""
        k, r = divmod(value - self.min, self.step)
        return k if r == 0 and 0 <= k < self.levels else None

    def name(self) -> str:
        return self.target + (f"@{self.from_.isoformat()}" if self.from_ else "")


class Term(_Strict):
    """One indicator of the objective, in a calendar year (yearly value) or a month (month-end value)."""

    indicator: str
    year: int | None = None
    month: str | None = None  # "YYYY-MM"
    weight: float = 1.0

    @model_validator(mode="after")
    def _when(self):
        if (self.year is None) == (self.month is None):
            raise ValueError("expected exactly one of 'year' (a calendar year) or 'month' ('YYYY-MM')")
        if self.month is not None:
            try:
                dt.date.fromisoformat(self.month + "-01")
            except ValueError:
                raise ValueError(f"expected month as 'YYYY-MM', found {self.month!r}") from None
        return self

    @property
    def period(self) -> str:
        return str(self.year) if self.year is not None else str(self.month)

    @property
    def period_type(self) -> str:
        return "year" if self.year is not None else "month"


class Objective(_Strict):
    """Maximise (or minimise) one indicator, or maximise a weighted sum of terms."""

    maximise: str | None = None
    minimise: str | None = None
    year: int | None = None
    month: str | None = None
    terms: list[Term] = []
    label: str = ""  # how the objective is named in the answer (default: from the indicator)
    label_de: str = ""

    @model_validator(mode="after")
    def _form(self):
        single = [x for x in (self.maximise, self.minimise) if x is not None]
        if self.terms and (single or self.year is not None or self.month is not None):
            raise ValueError("expected either 'terms' or one of 'maximise'/'minimise' with 'year' or 'month'")
        if not self.terms:
            if len(single) != 1:
                raise ValueError("expected exactly one of 'maximise' or 'minimise' (an indicator), or 'terms'")
            Term(indicator=single[0], year=self.year, month=self.month)  # the same checks of year/month
        return self

    def all_terms(self) -> list[Term]:
        """The objective as a maximised weighted sum (minimising is weight -1)."""
        if self.terms:
            return list(self.terms)
        ind = self.maximise if self.maximise is not None else self.minimise
        return [Term(indicator=ind, year=self.year, month=self.month, weight=1.0 if self.maximise else -1.0)]


class Constraint(_Strict):
    """What a mix may cost: each budget of the scenario, or a money total, per calendar year.

    The cost of a mix is the cost of its places filled all year (places x months x cost per place and
    month, the report's "cost of full occupancy"); `reserve` is set aside in each year for what the
    programmes without a limit of places spend (they are not part of the decision).
    """

    budgets: bool = False
    money: Annotated[float, Field(gt=0)] | None = None
    years: list[int] = []  # calendar years checked (default: every year of the horizon)
    include: Literal["all", "decisions"] = "all"  # money: all programmes with places, or the decisions' only
    reserve: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _one(self):
        if self.budgets == (self.money is not None):
            raise ValueError("expected exactly one of 'budgets = true' or 'money' (EUR per calendar year)")
        return self


class Search(_Strict):
    """The search: mixes judged on the same few replications (common random numbers)."""

    optimiser: str = "NGOpt"  # a nevergrad optimiser (docs/optimise.md)
    evaluations: Annotated[int, Field(ge=1, le=100_000)] = 48  # mixes simulated at most
    replications: Annotated[int, Field(ge=1, le=1000)] = 2  # per mix during the search
    finalists: Annotated[int, Field(ge=2, le=50)] = 6  # best mixes of the search taken to the selection


class Selection(_Strict):
    """The clean-up: Kim and Nelson's fully sequential procedure on new replications."""

    delta: Annotated[float, Field(gt=0)]  # the indifference zone, in the objective's units
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95
    first_stage: Annotated[int, Field(ge=2, le=1000)] = 5  # n0
    most: Annotated[int, Field(ge=2, le=10_000)] = 40  # replications per mix at most

    @model_validator(mode="after")
    def _most(self):
        if self.most < self.first_stage:
            raise ValueError(f"expected most >= first_stage, found {self.most} < {self.first_stage}")
        return self


class SpecModel(_Strict):
    variables: Annotated[list[Variable], Field(min_length=1)]
    objective: Objective
    constraint: Constraint
    selection: Selection
    search: Search = Search()
    years: Annotated[float, Field(ge=1 / 12, le=50)] | None = None  # horizon (default: the scenario's)


@dataclass(frozen=True)
class Spec:
    path: str
    model: SpecModel
    content: dict  # the file's parsed content (for the record; data only)

    @property
    def variables(self) -> list[Variable]:
        return self.model.variables


def read_spec(path: str | Path) -> Spec:
    """Parse and validate a spec file on its own; SpecError on any problem."""
    from ..scenario.loader import _problems

    p = Path(path)
    try:
        content = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(str(p), [("", "file not found")]) from None
    except UnicodeDecodeError:
        raise SpecError(str(p), [("", "expected a UTF-8 text file (TOML)")]) from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(str(p), [("", f"not valid TOML: {e}")]) from None
    try:
        model = SpecModel.model_validate(content)
    except ValidationError as e:
        raise SpecError(str(p), _problems(e)) from None
    return Spec(str(p), model, content)


def check_against(spec: Spec, scenario: Scenario, years: float) -> None:
    """Everything the spec names must exist in the scenario and lie within the horizon."""
    from ..batch.runner import yearly_indicator_names
    from ..engine.clock import add_months
    from ..indicators import registry

    problems: list[tuple[str, str]] = []
    start = scenario.time.start
    end = add_months(start, round(years * 12))
    seen: set[tuple[str, dt.date | None]] = set()
    for i, v in enumerate(spec.variables):
        where = f"variables[{i}]"
        if v.programme is not None:
            prog = scenario.programmes.get(v.programme)
            if prog is None:
                problems.append((f"{where}.programme", f"expected a programme of the scenario, found '{v.programme}'"))
                continue
            if prog.places is None:
                problems.append(
                    (
                        f"{where}.programme",
                        f"'{v.programme}' has unlimited places in the scenario; give it places first",
                    )
                )
        else:
            pool = scenario.pools.get(v.pool or "")
            if pool is None:
                problems.append((f"{where}.pool", f"expected a pool of the scenario, found '{v.pool}'"))
                continue
            if pool.places is None:
                problems.append((f"{where}.pool", f"pool '{v.pool}' has no places of its own in the scenario"))
        if v.from_ is not None:
            if v.from_.day != 1:
                problems.append((f"{where}.from", f"expected the first day of a month, found {v.from_.isoformat()}"))
            if not start <= v.from_ < end:
                problems.append(
                    (
                        f"{where}.from",
                        f"expected a date from {start.isoformat()} to before {end.isoformat()} (the horizon), "
                        f"found {v.from_.isoformat()}",
                    )
                )
        key = (v.target, v.from_ or start)
        if key in seen:
            problems.append((where, f"{v.target} from {key[1].isoformat()} is a decision twice"))
        seen.add(key)
    known = yearly_indicator_names(scenario)
    monthly = {ind.name for ind in registry.INDICATORS} | {
        f"{ind.name}_{lv}"
        for ind in registry.INDICATORS
        for by in ind.by
        for lv in (scenario.attributes["sex"] if by == "sex" else registry.KINDS[by])
    }
    first_year, last = start.year, (end - dt.timedelta(days=1))
    for i, term in enumerate(spec.model.objective.all_terms()):
        where = "objective" + (f".terms[{i}]" if spec.model.objective.terms else "")
        pool = known if term.year is not None else monthly | {n for n in known if n.startswith("programme.")}
        if term.indicator not in pool:
            problems.append(
                (
                    f"{where}.indicator" if spec.model.objective.terms else where,
                    f"expected an indicator of the batch statistics (e.g. integrations, iq, lzb_stock, "
                    f"integrations_female, programme.<name>.waiting), found '{term.indicator}'",
                )
            )
        if term.year is not None and not first_year <= term.year <= last.year:
            problems.append((f"{where}.year", f"expected a year from {first_year} to {last.year}, found {term.year}"))
        if term.month is not None and not start.isoformat()[:7] <= term.month <= last.isoformat()[:7]:
            problems.append(
                (f"{where}.month", f"expected a month from {start.isoformat()[:7]} to {last.isoformat()[:7]}")
            )
    c = spec.model.constraint
    if c.budgets and not scenario.budgets:
        problems.append(("constraint.budgets", "the scenario has no [budgets]; give 'money' instead"))
    if c.budgets:
        paid = {p for b in scenario.budgets.values() for p in b.programmes}
        for i, v in enumerate(spec.variables):
            members = _members(v, scenario)
            if members and not paid & set(members):
                problems.append(
                    (f"variables[{i}]", f"{v.target} is paid from no budget of the scenario: its places cost nothing")
                )
    for y in c.years:
        if not first_year <= y <= last.year:
            problems.append(("constraint.years", f"expected years from {first_year} to {last.year}, found {y}"))
    if problems:
        raise SpecError(spec.path, problems)


def _members(v: Variable, scenario: Scenario) -> list[str]:
    if v.programme is not None:
        return [v.programme]
    pool = scenario.pools.get(v.pool or "")
    return list(pool.programmes) if pool else []


def scenario_places(scenario: Scenario, target: str):
    """The places a programme or pool has in the scenario (a number or steps)."""
    if target.startswith("pool:"):
        return scenario.pools[target[5:]].places
    return scenario.programmes[target].places


def places_on(scenario: Scenario, target: str, day: dt.date) -> int:
    """The scenario's own places of a programme or pool in force on a date."""
    value = scenario_places(scenario, target)
    if not is_steps(value):
        return int(value or 0)
    now = value[0].value
    for s in value:
        if s.from_ <= day:
            now = s.value
    return int(now)
