"""Hypothesis strategies: random but always valid scenarios, as plain dicts.

A scenario here has 1-4 programmes (limited or unlimited places, quotas, cohorts, priority
groups, patience, programmes taken alongside, durations by condition), random routes and hazards, an initial stock
with people already in programmes, on waiting lists and out of contact, an inflow and
perhaps a wave. Every state reaches an exit because one hazard ("leave") acts in every
state of benefit receipt, and programme durations are not all zero (a cycle of zero-length
programmes would never let time pass). Populations stay small (tens to a few hundred
people) so that one run takes a small fraction of a second.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from simulation.engine.clock import add_months

LEVELS = ["L0", "L1", "L2", "L3"]
SEXES = ["female", "male"]
EXIT_KINDS = ["employment", "training", "self_employment", "pension", "moved_away", "other_income", "other"]
UNITS = ["months", "months", "weeks", "days"]


def _num(lo: float, hi: float):
    """A float in [lo, hi], rounded so that shrunk examples stay readable."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 3))


# --- durations ---------------------------------------------------------------------------


@st.composite
def durations(draw, support: str = "any"):
    """A duration spec. support: "any" (may be 0 for sure), "mostly" (P(0) < 1), "positive" (> 0)."""
    lo = 0.0 if support == "any" else 0.05
    unit = draw(st.sampled_from(UNITS))
    scale = {"months": 1.0, "weeks": 4.0, "days": 30.0}[unit]  # keep durations of similar size
    kind = draw(st.sampled_from(["fixed", "exponential", "uniform", "lognormal", "gamma", "weibull", "empirical"]))
    if kind == "fixed":
        return {"dist": "fixed", "value": draw(_num(lo, 6 * scale)), "unit": unit}
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(_num(0.05 * scale, 6 * scale)), "unit": unit}
    if kind == "uniform":
        low = draw(_num(0.0 if support != "positive" else 0.05, 3 * scale))
        width = draw(_num(0.0 if support == "any" else 0.05, 3 * scale))
        return {"dist": "uniform", "low": low, "high": round(low + width, 3), "unit": unit}
    if kind in ("lognormal", "gamma"):
        mean = draw(_num(0.1 * scale, 6 * scale))
        sd = round(mean * draw(_num(0.1, 2.0)), 3)
        return {"dist": kind, "mean": mean, "sd": max(sd, 0.001), "unit": unit}
    if kind == "weibull":
        return {
            "dist": "weibull",
            "shape": draw(_num(0.5, 3.0)),
            "scale": draw(_num(0.1 * scale, 6 * scale)),
            "unit": unit,
        }
    values = draw(st.lists(_num(0.0 if support != "positive" else 0.05, 6 * scale), min_size=1, max_size=4))
    if support == "mostly" and max(values) == 0:
        values.append(round(scale, 3))
    spec = {"dist": "empirical", "values": values, "unit": unit}
    if draw(st.booleans()):
        spec["weights"] = draw(st.lists(_num(0.1, 3.0), min_size=len(values), max_size=len(values)))
    return spec


# --- conditions and shares ---------------------------------------------------------------


@st.composite
def conditions(draw, allow_empty: bool = True):
    """A condition on the attributes, in every form the schema allows."""
    forms = ["level", "list", "min", "max", "in", "not_in", "sex"] + (["empty"] if allow_empty else [])
    form = draw(st.sampled_from(forms))
    if form == "empty":
        return {}
    if form == "sex":
        return {"sex": draw(st.sampled_from(SEXES))}
    if form == "level":
        return {"level": draw(st.sampled_from(LEVELS))}
    if form == "list":
        return {"level": draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=3, unique=True))}
    if form in ("min", "max"):
        return {"level": {form: draw(st.sampled_from(LEVELS))}}
    return {"level": {form: draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=3, unique=True))}}


@st.composite
def shares(draw, names: list[str]):
    """Shares over names that sum to 1 (some may be 0)."""
    weights = draw(st.lists(st.integers(0, 3), min_size=len(names), max_size=len(names)))
    if sum(weights) == 0:
        weights[draw(st.integers(0, len(names) - 1))] = 1
    total = sum(weights)
    return {n: w / total for n, w in zip(names, weights)}


# --- programmes --------------------------------------------------------------------------


@st.composite
def programme_durations(draw, support: str):
    """A programme's duration: mostly one distribution, sometimes rules by condition (1-2 with a `when`,
    then the last without), each rule's distribution with the given support."""
    if draw(st.integers(0, 3)) > 0:
        return draw(durations(support))
    rules = [
        {"when": draw(conditions(allow_empty=False)), "duration": draw(durations(support))}
        for _ in range(draw(st.integers(1, 2)))
    ]
    return rules + [{"duration": draw(durations(support))}]


@st.composite
def programme(draw, horizon_dates: tuple[dt.date, dt.date], instant_moves: bool = True):
    """One programme: places, quota, duration, eligibility, waiting list and cohorts.

    instant_moves: whether a participation or a wait may last no time at all.
    """
    places = draw(st.one_of(st.none(), st.integers(0, 8)))
    prog: dict = {"duration": draw(programme_durations("mostly" if instant_moves else "positive"))}
    if places is not None:
        prog["places"] = places
    if draw(st.booleans()):
        prog["entries_per_year"] = draw(st.integers(0, 12))
    if draw(st.integers(0, 3)) == 0:
        prog["eligible"] = draw(conditions(allow_empty=False))
    waiting: dict = {}
    if draw(st.booleans()):
        waiting["priority"] = [{"when": draw(conditions(allow_empty=False))} for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        waiting["patience"] = draw(durations("any" if instant_moves else "positive"))
        waiting["renege_to"] = draw(st.sampled_from(["case_management", "no_contact", "exit:other"]))
    if waiting:
        prog["waiting_list"] = waiting
    if places != 0 and draw(st.booleans()):
        size = draw(st.integers(1, 5))
        min_size = draw(st.integers(1, min(size, places if places is not None else size)))
        cohorts: dict = {"class_size": size, "min_size": min_size}
        if draw(st.booleans()):
            cohorts["start_every"] = {
                "value": draw(st.sampled_from([0.5, 1, 2, 3])),
                "unit": draw(st.sampled_from(["months", "weeks"])),
            }
        if draw(st.booleans()):
            first, last = horizon_dates
            span = (last - first).days
            cohorts["dates"] = [
                str(first + dt.timedelta(days=draw(st.integers(0, span + 30)))) for _ in range(draw(st.integers(1, 3)))
            ]
        prog["cohorts"] = cohorts
    if draw(st.integers(0, 4)) == 0:
        prog["integration_on_entry"] = draw(st.sampled_from(["employment", "training", "self_employment"]))
    return prog


@st.composite
def alongside(draw):
    """Another programme taken in parallel, while waiting or while taking part."""
    a = {
        "probability": draw(st.sampled_from([0.0, 0.3, 0.7, 1.0])),
        "during": draw(st.sampled_from(["programme", "waiting"])),
    }
    if draw(st.integers(0, 2)) == 0:
        a["when"] = draw(conditions(allow_empty=False))
    return a


# --- routes and hazards ------------------------------------------------------------------


@st.composite
def option_list(draw, targets: list[str]):
    """1-3 route options with probabilities summing to 1, optional gaps and attribute changes."""
    tos = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3))
    probs = draw(shares([str(i) for i in range(len(tos))]))
    out = []
    for i, to in enumerate(tos):
        o = {"to": to, "probability": probs[str(i)]}
        if to.startswith("programme:") and draw(st.integers(0, 2)) == 0:
            o["gap"] = draw(durations("any"))
        if draw(st.integers(0, 2)) == 0:
            o["set"] = {"level": draw(st.sampled_from(LEVELS))}
        out.append(o)
    return out


@st.composite
def route(draw, targets: list[str]):
    """A route: an optional conditional rule, then a catch-all rule."""
    rules = []
    if draw(st.booleans()):
        rules.append({"when": draw(conditions(allow_empty=False)), "options": draw(option_list(targets))})
    rules.append({"options": draw(option_list(targets))})
    return rules


@st.composite
def hazard(draw, programmes: list[str], from_exit: bool):
    """A random competing hazard, acting in benefit states or (from_exit) out of benefit."""
    exits = [f"exit:{k}" for k in EXIT_KINDS]
    if from_exit:
        states = ["exit:*"] + exits
        targets = ["entry", "entry", "case_management", "exit:other"] + [f"programme:{p}" for p in programmes]
    else:
        states = (
            ["case_management", "no_contact", "handover", "waiting:*", "programme:*"]
            + [f"waiting:{p}" for p in programmes]
            + [f"programme:{p}" for p in programmes]
        )
        targets = ["case_management", "no_contact"] + exits + [f"programme:{p}" for p in programmes]
    h: dict = {
        "in": draw(st.lists(st.sampled_from(states), min_size=1, max_size=3, unique=True)),
        "to": draw(st.sampled_from(targets)),
        "rate_per_month": draw(_num(0.0, 1.0)),
    }
    if draw(st.integers(0, 3)) == 0:
        h["when"] = draw(conditions(allow_empty=False))
    if draw(st.integers(0, 3)) == 0:
        months = sorted(set(draw(st.lists(st.integers(1, 24), max_size=3))))
        h["by_months_in_benefit"] = [[0, draw(_num(0.0, 2.0))]] + [[m, draw(_num(0.0, 2.0))] for m in months]
    if draw(st.integers(0, 3)) == 0:
        h["after_in_state"] = {"value": draw(_num(0.0, 6.0)), "unit": draw(st.sampled_from(["months", "weeks"]))}
    if draw(st.integers(0, 3)) == 0:
        h["set"] = {"level": draw(st.sampled_from(LEVELS))}
    return h


# --- population --------------------------------------------------------------------------


@st.composite
def segment(draw):
    """A segment: its own level mix or the common one, and perhaps prior months in benefit."""
    seg: dict = {}
    if draw(st.booleans()):
        seg["attributes"] = {"level": draw(st.one_of(st.sampled_from(LEVELS), shares(LEVELS)))}
    if draw(st.booleans()):
        seg["months_in_benefit"] = draw(durations("any"))
    return seg


@st.composite
def initial_programme(draw, prog: dict, segments: list[str], head_start: bool):
    """People in a programme or on its waiting list on day one (sometimes more than its places)."""
    cap = prog.get("places")
    participants = draw(st.integers(0, min(cap + 3, 8) if cap is not None else 8))
    ip = {"participants": participants, "waiting": draw(st.integers(0, 10)), "segment": draw(st.sampled_from(segments))}
    if head_start and draw(st.booleans()):
        ip["elapsed"] = draw(durations("positive"))
    if head_start and draw(st.booleans()):
        ip["waited"] = draw(durations("positive"))
    return ip


@st.composite
def scenario_dicts(
    draw, head_start: bool = True, instant_moves: bool = True, day_one_contention: bool = True, plans: bool = True
):
    """A complete, valid scenario dict.

    head_start: whether people in programmes on day one may have started (or joined the
    waiting list) before day one, via `elapsed` / `waited`. Without head starts nor
    instant moves, nobody can change state at day 0 itself.
    day_one_contention: whether the day-one stock may compete for places on day one itself:
    day-one waiters in priority groups of a programme with places free on day one, or day-one
    people of one programme taking another's places alongside while that one has day-one people.
    plans: whether values may change over calendar time (places, quotas, inflow, hazard factors)
    and budgets may cap entries.
    """
    month = draw(st.integers(1, 12))
    years = draw(st.sampled_from([1, 1.5, 2]))
    start = dt.date(2024, month, 1)
    end = add_months(start, round(12 * years))
    names = [f"p{i}" for i in range(draw(st.integers(1, 4)))]
    progs = {n: draw(programme((start, end), instant_moves)) for n in names}
    for n in names:
        others = [m for m in names if m != n]
        if others and draw(st.booleans()):
            progs[n]["alongside"] = {
                m: draw(alongside())
                for m in draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
            }
    seg_names = ["s0", "s1"][: draw(st.integers(1, 2))]
    segs = {s: draw(segment()) for s in seg_names}

    init_progs = {}
    for n in names:
        if draw(st.booleans()):
            init_progs[n] = draw(initial_programme(progs[n], seg_names, head_start))
    placed = sum(ip["participants"] + ip["waiting"] for ip in init_progs.values())
    no_contact = None
    if draw(st.integers(0, 2)) == 0:
        no_contact = {"count": draw(st.integers(0, 20)), "segment": draw(st.sampled_from(seg_names))}
        if head_start and draw(st.booleans()):
            no_contact["elapsed"] = draw(durations("positive"))
        placed += no_contact["count"]
    initial = {"size": placed + draw(st.integers(0, 120)), "segments": draw(shares(seg_names))}
    if init_progs:
        initial["programmes"] = init_progs
    if no_contact is not None:
        initial["no_contact"] = no_contact
    population: dict = {
        "common": {"sex": {"female": 0.5, "male": 0.5}, "level": draw(shares(LEVELS))},
        "segments": segs,
        "initial": initial,
    }
    if draw(st.integers(0, 4)) > 0:
        inflow = {"per_month": draw(_num(0.0, 15.0)), "segments": draw(shares(seg_names))}
        if draw(st.integers(0, 3)) == 0:
            inflow["monthly_factors"] = draw(st.lists(_num(0.0, 2.0), min_size=12, max_size=12))
        population["inflow"] = inflow
    if draw(st.integers(0, 2)) == 0:
        span = (end - start).days
        w0 = start + dt.timedelta(days=draw(st.integers(-30, span)))
        w1 = w0 + dt.timedelta(days=draw(st.integers(1, 200)))
        population["waves"] = {
            "w": {
                "start": str(w0),
                "end": str(w1),
                "per_month": draw(_num(0.0, 20.0)),
                "segments": draw(shares(seg_names)),
            }
        }

    exits = [f"exit:{k}" for k in EXIT_KINDS]
    prog_targets = [f"programme:{n}" for n in names]
    routes = {}
    if draw(st.booleans()):
        routes["entry"] = draw(route(["case_management", "no_contact"] + prog_targets))
    for n in names:
        if draw(st.integers(0, 3)) > 0:
            routes[n] = draw(route(["case_management", "no_contact"] + prog_targets + exits))

    hazards = {
        "leave": {
            "in": ["case_management", "no_contact", "handover", "waiting:*", "programme:*"],
            "to": draw(st.sampled_from(exits)),
            "rate_per_month": draw(_num(0.05, 0.5)),
        }
    }
    for i in range(draw(st.integers(0, 4))):
        hazards[f"h{i}"] = draw(hazard(names, from_exit=draw(st.booleans())))

    if not day_one_contention:
        _without_day_one_contention(progs, init_progs)
    budgets = _plans(draw, start, end, progs, population, hazards) if plans and draw(st.integers(0, 2)) == 0 else {}
    out = {
        "name": "property",
        "time": {"start": str(start), "years": years},
        "attributes": {"sex": SEXES, "level": LEVELS},
        "population": population,
        "programmes": progs,
        "routes": routes,
        "hazards": hazards,
    }
    if budgets:
        out["budgets"] = budgets
    if plans and draw(st.integers(0, 3)) == 0:
        out["staffing"] = {"team": _staffing(draw, start, end, names, hazards)}
    return out


def _staffing(draw, start: dt.date, end: dt.date, names: list[str], hazards: dict) -> dict:
    """A staffing group over some states, scaling some hazards (thinning while waiting included)."""
    pool = ["case_management", "no_contact", "handover", "waiting:*"] + [f"programme:{n}" for n in names]
    staff = _steps(draw, start, end, st.integers(0, 3)) if draw(st.booleans()) else draw(st.integers(0, 3))
    return {
        "states": draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)),
        "staff": staff,
        "reference_caseload": draw(_num(1.0, 100.0)),
        "elasticity": draw(_num(0.0, 2.0)),
        "max_factor": draw(_num(1.0, 4.0)),
        "source": "assumption",
        "hazards": draw(st.lists(st.sampled_from(sorted(hazards)), min_size=1, max_size=3, unique=True)),
    }


def _steps(draw, start: dt.date, end: dt.date, values) -> list[dict]:
    """Steps of a value over calendar time: the first on or before the start, 1-3 more before the end."""
    span = (end - start).days
    new_years = [(dt.date(y, 1, 1) - start).days for y in range(start.year + 1, end.year + 1)]
    new_years = [d for d in new_years if 0 < d < span]  # steps on 1 January meet the new year
    some_day = (
        st.one_of(st.integers(1, span - 1), st.sampled_from(new_years)) if new_years else st.integers(1, span - 1)
    )
    days = sorted(set(draw(st.lists(some_day, min_size=1, max_size=3))))
    dates = [start - dt.timedelta(days=draw(st.integers(0, 40)))] + [start + dt.timedelta(days=d) for d in days]
    return [{"from": str(d), "value": draw(values)} for d in dates]


def _plans(draw, start: dt.date, end: dt.date, progs: dict, population: dict, hazards: dict) -> dict:
    """Values over calendar time, on an otherwise drawn scenario; returns its budgets (perhaps none)."""
    for prog in progs.values():
        if "places" in prog and draw(st.booleans()):
            low = prog["cohorts"]["min_size"] if "cohorts" in prog else 0
            prog["places"] = _steps(draw, start, end, st.integers(0, 8))
            prog["places"][0]["value"] = max(prog["places"][0]["value"], low)  # min_size fits some step
        if "entries_per_year" in prog and draw(st.booleans()):
            prog["entries_per_year"] = _steps(draw, start, end, st.integers(0, 12))
    inflow = population.get("inflow")
    if inflow is not None and draw(st.booleans()):
        inflow["per_month"] = _steps(draw, start, end, _num(0.0, 15.0))
    for h in hazards.values():
        if draw(st.integers(0, 2)) == 0:
            h["calendar"] = _steps(draw, start, end, st.one_of(st.just(0.0), _num(0.0, 3.0)))
    names = sorted(progs)
    if draw(st.booleans()):
        paid = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        for n in paid:
            progs[n]["cost_per_month"] = draw(_num(10.0, 1000.0))
        per_year = _steps(draw, start, end, _num(0.0, 20000.0)) if draw(st.booleans()) else draw(_num(0.0, 20000.0))
        budget = {"programmes": paid, "carry_over": draw(st.booleans()), "per_year": per_year}
        if draw(st.booleans()):
            budget["when_exhausted"] = draw(
                st.sampled_from(["case_management", "no_contact"] + [f"programme:{n}" for n in names])
            )
        return {"b": budget}
    return {}


def _without_day_one_contention(progs: dict, init_progs: dict) -> None:
    """Drop the priority groups and alongside rules through which day-one people compete on day one."""
    for name, prog in progs.items():
        ip = init_progs.get(name)
        if ip is None:
            continue
        scheduled = "cohorts" in prog and ("start_every" in prog["cohorts"] or "dates" in prog["cohorts"])
        if ip["waiting"] and not scheduled and prog.get("waiting_list", {}).get("priority"):
            del prog["waiting_list"]["priority"]
        for other in list(prog.get("alongside", {})):
            if other in init_progs:
                del prog["alongside"][other]


seeds = st.integers(0, 2**32 - 1)
