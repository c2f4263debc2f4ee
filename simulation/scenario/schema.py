"""The scenario file's schema: plain, frozen data, validated field by field on load.

Every table refuses unknown keys. Cross-references (a route naming an unknown programme,
probabilities that do not sum to 1, chains without an exit) are checked in `checks.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator

NonNeg = Annotated[float, Field(ge=0)]
Pos = Annotated[float, Field(gt=0)]
# Sane bounds (docs/scenario_format.md, "Sane magnitudes"); durations, rates and loops are checked in checks.py
MAX_COUNT = 10**8  # people, places and quotas: more than all of Germany's benefit recipients
MAX_PER_MONTH = 10**6  # inflow per month
MAX_MONEY = 10**7  # euros per participant and month
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Prob = Annotated[float, Field(ge=0, le=1)]
Unit = Literal["days", "weeks", "months", "years"]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]

# Exit kinds are the legal categories of § 48a SGB II, the same for every job centre.
INTEGRATION_KINDS = ("employment", "training", "self_employment")
# `earnings`: the household's need is covered by a member's job (engine/households.py); the earner's
# integration is counted at the job's start, not at this exit
OTHER_EXIT_KINDS = ("pension", "moved_away", "other_income", "other", "earnings")
EXIT_KINDS = INTEGRATION_KINDS + OTHER_EXIT_KINDS
# Household (Bedarfsgemeinschaft) types as the BA's statistics name them: single adult, single parent,
# couple without and with children, and other households (e.g. adult children with a parent)
HOUSEHOLD_TYPES = ("single", "single_parent", "couple", "couple_children", "other")


def _iso_date(v):
    """Dates come from TOML as dates; from JSON or Python as text in ISO form (2024-01-01)."""
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected a date such as 2024-01-01, found {v[:40]!r}") from None
    return v


def _pair(v):
    """A [number, number] pair, as TOML and JSON write it."""
    return tuple(v) if isinstance(v, list) else v


Date = Annotated[dt.date, BeforeValidator(_iso_date)]


class Strict(BaseModel):
    # no inf or nan anywhere; strict: a number written as text ("2") is refused, not converted
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


# --- durations -------------------------------------------------------------------------


class Fixed(Strict):
    dist: Literal["fixed"]
    value: NonNeg
    unit: Unit = "months"


class Exponential(Strict):
    dist: Literal["exponential"]
    mean: Pos
    unit: Unit = "months"


class Uniform(Strict):
    dist: Literal["uniform"]
    low: NonNeg
    high: NonNeg
    unit: Unit = "months"

    @model_validator(mode="after")
    def _order(self):
        if self.high < self.low:
            raise ValueError(f"expected high >= low ({self.low}), found high = {self.high}")
        return self


class Lognormal(Strict):
    """Parametrised by mean and standard deviation of the duration itself."""

    dist: Literal["lognormal"]
    mean: Pos
    sd: Pos
    unit: Unit = "months"


class Gamma(Strict):
    """Parametrised by mean and standard deviation of the duration itself."""

    dist: Literal["gamma"]
    mean: Pos
    sd: Pos
    unit: Unit = "months"


class Weibull(Strict):
    dist: Literal["weibull"]
    shape: Pos
    scale: Pos
    unit: Unit = "months"


class Empirical(Strict):
    """Observed durations, drawn with the given weights (equal weights if omitted)."""

    dist: Literal["empirical"]
    values: Annotated[list[NonNeg], Field(min_length=1)]
    weights: list[NonNeg] | None = None
    unit: Unit = "months"

    @model_validator(mode="after")
    def _weights(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"expected as many weights as values ({len(self.values)}), found {len(self.weights)}")
            if sum(self.weights) <= 0:
                raise ValueError("expected some positive weight, found all weights zero")
        return self


DIST_TAGS = ("fixed", "exponential", "uniform", "lognormal", "gamma", "weibull", "empirical")
Duration = Annotated[
    Fixed | Exponential | Uniform | Lognormal | Gamma | Weibull | Empirical,
    Field(discriminator="dist"),
]


class Span(Strict):
    value: NonNeg
    unit: Unit = "months"


# --- values over calendar time ----------------------------------------------------------


class Step(Strict):
    """From this date on (until the next step), the value is `value`."""

    from_: Date = Field(alias="from")
    value: NonNeg


def _sorted_steps(steps: list[Step]) -> list[Step]:
    dates = [s.from_ for s in steps]
    if any(b <= a for a, b in zip(dates, dates[1:])):
        raise ValueError(f"expected steps in increasing order of 'from', found {[d.isoformat() for d in dates]}")
    return steps


def _check_bands(b: list) -> None:
    if b:
        if b[0][0] != 0:
            raise ValueError(f"expected by_months_in_benefit to start at month 0, found {b[0][0]:g}")
        if any(b[i + 1][0] <= b[i][0] for i in range(len(b) - 1)):
            raise ValueError(f"expected increasing months in by_months_in_benefit, found {[m for m, _ in b]}")


def _kind(v) -> str:
    return "steps" if isinstance(v, list) else "value"


Steps = Annotated[list[Step], Field(min_length=1), AfterValidator(_sorted_steps)]
# a value over calendar time: one number for the whole horizon, or steps from dates on (a list
# is read as steps, anything else as the number: errors then speak of the one the input meant)
Timed = Annotated[Annotated[NonNeg, Tag("value")] | Annotated[Steps, Tag("steps")], Discriminator(_kind)]
TimedCount = Annotated[
    Annotated[Count, Tag("value")] | Annotated[Steps, Tag("steps")], Discriminator(_kind)
]  # whole numbers (for steps: checked in checks.py)
TIMED_TAGS = ("value", "steps")


def is_steps(value) -> bool:
    return isinstance(value, list)


# --- conditions ------------------------------------------------------------------------


class Test(Strict):
    """A test on one attribute: membership, or a range on its ordered levels (inclusive)."""

    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None
    min: str | None = None
    max: str | None = None

    @model_validator(mode="after")
    def _some(self):
        if self.in_ is None and self.not_in is None and self.min is None and self.max is None:
            raise ValueError("expected at least one of: in, not_in, min, max; found none")
        return self


# attribute -> level, list of levels, or a Test; all entries must hold (AND)
Condition = dict[str, str | list[str] | Test]


# --- population ------------------------------------------------------------------------

Mix = str | dict[str, Prob]  # one level, or level -> share


class Segment(Strict):
    """A group of customers with its attribute mix (attributes independent within a group)."""

    attributes: dict[str, Mix] = {}
    months_in_benefit: Duration | None = None  # initial stock only: time already on benefit


class InitialProgramme(Strict):
    """People already in a programme, or on its waiting list, on day one."""

    participants: Count = 0
    waiting: Count = 0
    segment: str
    elapsed: Duration | None = None  # time already spent in the programme
    waited: Duration | None = None  # time already spent on the waiting list


class InitialNoContact(Strict):
    """People out of contact with the job centre on day one, and for how long already."""

    count: Count
    segment: str
    elapsed: Duration | None = None


class Initial(Strict):
    size: Count
    segments: dict[str, Prob]
    # with [households]: the day-one households and their non-able members, met exactly (else drawn)
    households: Count | None = None
    non_able: Count | None = None
    programmes: dict[str, InitialProgramme] = {}
    no_contact: InitialNoContact | None = None


class Inflow(Strict):
    per_month: Annotated[
        Annotated[Annotated[float, Field(ge=0, le=MAX_PER_MONTH)], Tag("value")] | Annotated[Steps, Tag("steps")],
        Discriminator(_kind),
    ]
    segments: dict[str, Prob]
    monthly_factors: (
        Annotated[list[Annotated[float, Field(ge=0, le=100)]], Field(min_length=12, max_length=12)] | None
    ) = None


class Wave(Strict):
    """An extra inflow over a period, e.g. a refugee arrival."""

    start: Date
    end: Date
    per_month: Annotated[float, Field(ge=0, le=MAX_PER_MONTH)]
    segments: dict[str, Prob]

    @model_validator(mode="after")
    def _order(self):
        if self.end <= self.start:
            raise ValueError(f"expected end after start ({self.start}), found end = {self.end}")
        return self


class Population(Strict):
    common: dict[str, Mix] = {}  # attribute mixes used by every segment that does not give its own
    segments: dict[Name, Segment]
    initial: Initial
    inflow: Inflow | None = None
    waves: dict[Name, Wave] = {}


# --- households and jobs -----------------------------------------------------------------

Counts = int | dict[str, Prob]  # a number, or number ("1", "2", ...) -> share


class HouseholdType(Strict):
    """A type of household (Bedarfsgemeinschaft): its share and its members."""

    label: str = ""
    label_de: str = ""
    share: Prob  # of the households on day one and in the inflow
    elb: Counts = 1  # members able to work (eLb): the people the model moves
    non_able: Counts = 0  # members not able to work (mostly children): counted, not moved
    # probability that a member's job ends the household's need, by the number of members then
    # employed ("1", "2", ...; the largest given applies beyond); none: the job kind's need_ends
    need_ends: Counts | float | None = None


class HouseholdHazard(Strict):
    """A household-level hazard: while any member is in benefit, all members in benefit leave together."""

    to: str  # exit:<kind>
    rate_per_month: NonNeg
    types: list[str] = []  # household types it acts on (none: all)
    by_months_in_benefit: list[Annotated[tuple[NonNeg, NonNeg], BeforeValidator(_pair)]] = []

    @model_validator(mode="after")
    def _bands(self):
        _check_bands(self.by_months_in_benefit)
        return self


class Households(Strict):
    types: Annotated[dict[Literal[HOUSEHOLD_TYPES], HouseholdType], Field(min_length=1)]  # type: ignore[valid-type]
    shared: list[str] = []  # attributes every member of a household shares (e.g. citizenship)
    hazards: dict[Name, HouseholdHazard] = {}


class Job(Strict):
    """A kind of work a customer can take up (a target `job:<kind>`), in or out of benefit."""

    label: str = ""
    label_de: str = ""
    # its § 48a kind; "none": work that is no integration (e.g. marginal employment)
    integration: Literal["employment", "training", "self_employment", "none"] = "employment"
    duration: Duration | None = None  # how long the job lasts; none: beyond the horizon
    need_ends: Prob = 1.0  # probability that the job ends the need of a household without a type's own
    reentry: Prob = 0.0  # probability that the household needs benefit again when the job ends out of it


# --- programmes ------------------------------------------------------------------------


class PriorityGroup(Strict):
    when: Condition


class WaitingList(Strict):
    """FIFO within priority groups; groups are served in the order given, everyone else last."""

    priority: list[PriorityGroup] = []
    patience: Duration | None = None  # leave the list after this time
    renege_to: str = "case_management"


class Cohorts(Strict):
    """Courses start as classes: on a schedule, or as soon as the minimum class size is reached."""

    class_size: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    min_size: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    start_every: Span | None = None
    dates: list[Date] = []

    @model_validator(mode="after")
    def _sizes(self):
        if self.min_size > self.class_size:
            raise ValueError(f"expected min_size <= class_size ({self.class_size}), found min_size = {self.min_size}")
        return self


class Reserve(Strict):
    """Places of a programme that only a group may take while any of its members waits."""

    when: Condition
    places: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    label: str = ""


class Alongside(Strict):
    """Another programme taken in parallel: while waiting for this one, or while taking part in it."""

    probability: Prob
    when: Condition | None = None
    during: Literal["programme", "waiting"] = "programme"


class DurationRule(Strict):
    """One rule of a duration by condition: the first rule whose `when` holds gives the duration."""

    when: Condition | None = None
    duration: Duration


def _duration_form(v) -> str:
    return "rules" if isinstance(v, list) else "distribution"


# a programme's duration: one distribution for everyone, or rules by the entrant's attributes (a list is read
# as rules, anything else as a distribution: errors then speak of the form the input meant)
ProgrammeDuration = Annotated[
    Annotated[Duration, Tag("distribution")]
    | Annotated[Annotated[list[DurationRule], Field(min_length=1)], Tag("rules")],
    Discriminator(_duration_form),
]
DURATION_FORMS = ("distribution", "rules")


def is_rules(duration) -> bool:
    """Whether a programme's duration is given as rules by condition (a list), not one distribution."""
    return isinstance(duration, list)


class Programme(Strict):
    label: str = ""
    label_de: str = ""  # the label in German (reports, app)
    places: TimedCount | None = None  # seats at once; none = unlimited
    entries_per_year: TimedCount | None = None  # yearly entry quota
    duration: ProgrammeDuration  # a distribution, or rules by condition (first match)
    cost_per_month: Annotated[float, Field(ge=0, le=MAX_MONEY)] = 0.0
    eligible: Condition = {}
    waiting_list: WaitingList = WaitingList()
    cohorts: Cohorts | None = None
    integration_on_entry: Literal["employment", "training", "self_employment"] | None = None
    alongside: dict[str, Alongside] = {}
    reserved: list[Reserve] = []  # places only a group may take while any of its members waits


# --- movement --------------------------------------------------------------------------


class Option(Strict):
    to: str
    probability: Prob
    gap: Duration | None = None  # hand-over time before the next step
    set: dict[str, str] = {}  # attributes changed by this outcome (e.g. german_level = "B1")


class RouteRule(Strict):
    when: Condition | None = None
    options: Annotated[list[Option], Field(min_length=1)]


class Hazard(Strict):
    """A competing hazard: while in one of the `in` states, move `to` at this rate."""

    in_: Annotated[list[str], Field(alias="in", min_length=1)]
    to: str
    rate_per_month: NonNeg
    when: Condition = {}
    by_months_in_benefit: list[
        Annotated[tuple[NonNeg, NonNeg], BeforeValidator(_pair)]
    ] = []  # [from_month, multiplier] bands
    after_in_state: Span | None = None  # active only after this time in the state
    calendar: Steps | None = None  # a rate factor over calendar time
    set: dict[str, str] = {}
    household: bool = False  # an exit the customer's household takes with them (e.g. need ends in work)
    leaves_household: bool = False  # the customer moves out and forms a household of their own (e.g. an under-25)

    @model_validator(mode="after")
    def _bands(self):
        _check_bands(self.by_months_in_benefit)
        return self


FIRST_YEAR, LAST_YEAR = 1900, 2200  # calendar dates stay representable over a 50-year horizon


class LabourMarket(Strict):
    """A rate factor over calendar time for the hazards named (e.g. a weaker labour market in 2025)."""

    factor: Timed = 1.0
    hazards: list[str] = []
    source: str = ""


class Budget(Strict):
    """Money for one or more programmes per calendar year; an entry commits its expected cost."""

    label: str = ""
    label_de: str = ""  # the label in German (reports, app)
    programmes: Annotated[list[str], Field(min_length=1)]
    per_year: Timed  # EUR per calendar year, the value in force on 1 January
    when_exhausted: str = "wait"  # "wait" on the list, or a target to send referrals to
    carry_over: bool = False  # unspent money adds to next year's budget
    source: str = ""


class Staffing(Strict):
    """Case managers for the customers in some states; their caseload scales the rates of the hazards named.

    Rate factor = min(max_factor, (reference_caseload / caseload) ^ elasticity), with caseload =
    customers in `states` / `staff` at the time (engine/staffing.py, docs/model.md).
    """

    label: str = ""
    label_de: str = ""
    states: Annotated[list[str], Field(min_length=1)]  # state patterns as in a hazard's `in`
    staff: Timed  # full-time case managers over calendar time
    reference_caseload: Annotated[float, Field(gt=0, le=MAX_COUNT)]  # customers per case manager at factor 1
    elasticity: Annotated[float, Field(ge=0, le=5)] = 1.0
    max_factor: Annotated[float, Field(ge=1, le=100)] = 2.0
    hazards: Annotated[list[str], Field(min_length=1)]
    source: str  # where the functional form and figures come from, or "assumption"


class Pool(Strict):
    """Places shared by several programmes, and perhaps one waiting list for all of them."""

    label: str = ""
    label_de: str = ""  # the label in German (reports, app)
    programmes: Annotated[list[str], Field(min_length=2)]
    places: TimedCount | None = None  # seats at once for all members together; none = only their own
    waiting_list: Literal["each", "shared"] = "each"  # each member its own list, or one list for all
    priority: list[PriorityGroup] = []  # groups served first on the shared list
    source: str = ""


def _month_start(start: dt.date) -> dt.date:
    """time.start, checked on the field itself so that a problem is reported at `time.start`."""
    if start.day != 1:
        raise ValueError(f"expected start on the first day of a month, found start = {start}")
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise ValueError(f"expected start in the years {FIRST_YEAR} to {LAST_YEAR}, found start = {start}")
    return start


class Time(Strict):
    start: Annotated[Date, AfterValidator(_month_start)]
    years: Annotated[float, Field(ge=1 / 12, le=50)] = 1


class AttributeLevel(Strict):
    attribute: str
    level: str


class Indicators(Strict):
    """What the § 48a supplementary indicators count that the states alone do not say."""

    marginal_employment: list[str] = []  # programmes whose entries are entries into marginal employment (K2E1)
    public_employment: list[str] = []  # programmes that are publicly funded employment (K2E2)
    single_parent: AttributeLevel | None = None  # the attribute level marking single parents (K2E4)
    not_measures: list[str] = []  # programmes that are no measure of active labour-market policy (K3E2)


class LeverGroup(Strict):
    """Hazards a planner switches or scales together in the app (e.g. "Jobturbo"); not used by the model."""

    label: str = ""
    label_de: str = ""
    hazards: Annotated[list[str], Field(min_length=1)]


class Scenario(Strict):
    name: str = ""
    name_de: str = ""  # the name in German (app, report)
    description: str = ""
    description_de: str = ""
    time: Time
    attributes: dict[Name, Annotated[list[str], Field(min_length=1)]]
    population: Population
    households: Households | None = None
    employment: dict[Name, Job] = {}
    programmes: dict[Name, Programme] = {}
    routes: dict[str, Annotated[list[RouteRule], Field(min_length=1)]] = {}
    hazards: dict[Name, Hazard] = {}
    labour_market: LabourMarket | None = None
    budgets: dict[Name, Budget] = {}
    staffing: dict[Name, Staffing] = {}
    pools: dict[Name, Pool] = {}
    indicators: Indicators = Indicators()
    levers: dict[Name, LeverGroup] = {}
