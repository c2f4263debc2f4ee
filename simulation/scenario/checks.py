"""Checks across fields that the schema alone cannot express.

Names must refer to things that exist, shares and probabilities must sum to 1, and from
every state a customer can reach some exit from benefit receipt.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from ..states import ENGINE_REASONS, FIXED_STATES, SPELL_COLUMNS, benefit_states, matches
from .schema import EXIT_KINDS, MAX_COUNT, MAX_PER_MONTH, Condition, Scenario, Test, is_rules, is_steps

TOL = 1e-6
# Sane magnitudes (docs/scenario_format.md, "Sane magnitudes"): beyond them a run would hang,
# overflow or stop meaning anything
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
MAX_DAYS = 100 * 365.25  # any duration parameter, its mean, and any span: at most 100 years
INSTANT_DAYS = 1 / 1440  # a duration whose mean (or largest value) is below a minute counts as no time
MIN_START_EVERY_DAYS = 1.0  # cohorts start at most daily
MAX_RATE = 100.0  # a hazard's rate per month, times its largest multiplier (a move every 7 hours)
CV_RANGE = (1e-3, 1e2)  # sd / mean of a gamma or lognormal duration
SHAPE_RANGE = (0.1, 100.0)  # Weibull shape
MAX_BUDGET = 10**11  # EUR a year in one budget: above all of Germany's SGB II spending
MAX_STAFF = 10**6  # case managers in one staffing group


class _Problems(list):
    def add(self, path: str, msg: str) -> None:
        self.append((path, msg))


def check(s: Scenario) -> list[tuple[str, str]]:
    p = _Problems()
    _attributes(s, p)
    _population(s, p)
    _programmes(s, p)
    _routes(s, p)
    _hazards(s, p)
    _households(s, p)
    _magnitudes(s, p)
    _timed_values(s, p)
    _budgets(s, p)
    _staffing(s, p)
    _pools(s, p)
    _indicators(s, p)
    _levers(s, p)
    _effective_rates(s, p)
    _effective_inflow(s, p)
    if not p:
        _exits_reachable(s, p)
        _no_instant_loops(s, p)
    return list(p)


def warnings(s: Scenario) -> list[tuple[str, str]]:
    """What a valid scenario says that it may not mean: (field path, message), shown but not refused."""
    p = _Problems()
    _day_one_partly_eligible(s, p)
    return list(p)


# --- helpers ---------------------------------------------------------------------------


def _levels(s: Scenario, attr: str, path: str, p: _Problems) -> list[str] | None:
    if attr not in s.attributes:
        p.add(path, f"expected one of the declared attributes {sorted(s.attributes)}, found '{attr}'")
        return None
    return s.attributes[attr]


def _level(s, attr, value, path, p) -> None:
    levels = _levels(s, attr, path, p)
    if levels is not None and value not in levels:
        p.add(path, f"expected a level of '{attr}' {levels}, found '{value}'")


def _condition(s: Scenario, cond: Condition | None, path: str, p: _Problems) -> None:
    for attr, test in (cond or {}).items():
        where = f"{path}.{attr}"
        before = len(p)
        if _levels(s, attr, where, p) is None:
            continue
        if isinstance(test, str):
            _level(s, attr, test, where, p)
        elif isinstance(test, list):
            for v in test:
                _level(s, attr, v, where, p)
        elif isinstance(test, Test):
            for v in (test.in_ or []) + (test.not_in or []) + [x for x in (test.min, test.max) if x is not None]:
                _level(s, attr, v, where, p)
        if len(p) == before and not _allowed(s.attributes[attr], test):
            p.add(where, f"expected a test some level of '{attr}' passes, found one that none does: {_show(test)}")


def _allowed(levels: list[str], test) -> set[str]:
    """The levels a test lets through (mirrors conditions.Attributes.compile)."""
    if isinstance(test, str):
        return {test}
    if isinstance(test, list):
        return set(test)
    allowed = set(test.in_) if test.in_ is not None else set(levels)
    allowed -= set(test.not_in or ())
    lo = levels.index(test.min) if test.min is not None else 0
    hi = levels.index(test.max) if test.max is not None else len(levels) - 1
    return allowed & set(levels[lo : hi + 1])


def _show(test) -> str:
    return (
        repr(test)
        if not isinstance(test, Test)
        else "{" + ", ".join(f"{k} = {v!r}" for k, v in test.model_dump(by_alias=True, exclude_none=True).items()) + "}"
    )


def _shares(shares: dict[str, float], known, what: str, path: str, p: _Problems) -> None:
    for name in shares:
        if name not in known:
            p.add(f"{path}.{name}", f"expected one of the {what} {sorted(known)}, found '{name}'")
    total = sum(shares.values())
    if abs(total - 1) > TOL:
        p.add(path, f"shares must sum to 1, found {number(total)}")


def number(x: float) -> str:
    """A sum shown with enough digits to see how far it is from 1 (1.000002, not 1)."""
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if abs(float(text) - 1) > TOL / 2 or float(text) == x:
            return text
    return repr(x)


def _mix(s, attr, mix, path, p) -> None:
    if isinstance(mix, str):
        _level(s, attr, mix, path, p)
    else:
        _shares(mix, s.attributes.get(attr, []), f"levels of '{attr}'", path, p)


def target_ok(s: Scenario, to: str) -> bool:
    if to in ("case_management", "no_contact"):
        return True
    kind, _, name = to.partition(":")
    return (
        (kind == "programme" and name in s.programmes)
        or (kind == "exit" and name in EXIT_KINDS)
        or (kind == "job" and name in s.employment)
    )


def _target(s, to, path, p, allow_entry=False) -> None:
    if allow_entry and to == "entry":
        return
    if not target_ok(s, to):
        p.add(
            path,
            "expected 'case_management', 'no_contact', 'programme:<name>' with a defined programme "
            f"{sorted(s.programmes)}, 'job:<kind>' with a kind of [employment] {sorted(s.employment)} "
            f"or 'exit:<kind>' with a kind in {list(EXIT_KINDS)}, found '{to}'",
        )


def state_pattern_ok(s: Scenario, pat: str) -> bool:
    if pat in FIXED_STATES:
        return True
    kind, _, name = pat.partition(":")
    if kind in ("waiting", "programme"):
        return name == "*" or name in s.programmes
    return kind == "exit" and (name == "*" or name in EXIT_KINDS)


def _set(s, assign, path, p) -> None:
    for attr, value in assign.items():
        _level(s, attr, value, f"{path}.{attr}", p)


# --- sections --------------------------------------------------------------------------

# columns of the spells table: an attribute of the same name would overwrite them
RESERVED = {*SPELL_COLUMNS, "scenario", "replication"}
# end reasons the engine writes itself: a hazard of the same name would make them ambiguous


def _attributes(s: Scenario, p: _Problems) -> None:
    for attr in s.attributes:
        if attr in RESERVED:
            p.add(
                f"attributes.{attr}",
                f"expected a name that is not a column of the results {sorted(RESERVED)}, found '{attr}'",
            )
    if "sex" not in s.attributes:
        p.add("attributes.sex", 'required: indicators are reported by sex (e.g. sex = ["female", "male"])')
    for attr, levels in s.attributes.items():
        if len(set(levels)) != len(levels):
            p.add(f"attributes.{attr}", f"levels must be distinct, found {levels}")


def _population(s: Scenario, p: _Problems) -> None:
    pop = s.population
    for attr, mix in pop.common.items():
        if _levels(s, attr, f"population.common.{attr}", p) is not None:
            _mix(s, attr, mix, f"population.common.{attr}", p)
    for name, seg in pop.segments.items():
        base = f"population.segments.{name}.attributes"
        for attr, mix in seg.attributes.items():
            if _levels(s, attr, f"{base}.{attr}", p) is not None:
                _mix(s, attr, mix, f"{base}.{attr}", p)
        for attr in s.attributes:
            if attr not in seg.attributes and attr not in pop.common:
                p.add(base, f"attribute '{attr}' has no mix here nor in population.common")
    _shares(pop.initial.segments, pop.segments, "segments", "population.initial.segments", p)
    if pop.inflow is not None:
        _shares(pop.inflow.segments, pop.segments, "segments", "population.inflow.segments", p)
    for name, wave in pop.waves.items():
        _shares(wave.segments, pop.segments, "segments", f"population.waves.{name}.segments", p)
    in_programmes = 0
    for prog, ip in pop.initial.programmes.items():
        path = f"population.initial.programmes.{prog}"
        if prog not in s.programmes:
            p.add(path, f"expected a defined programme {sorted(s.programmes)}, found '{prog}'")
            continue
        if ip.segment not in pop.segments:
            p.add(f"{path}.segment", f"expected one of the segments {sorted(pop.segments)}, found '{ip.segment}'")
        in_programmes += ip.participants + ip.waiting
    nc = pop.initial.no_contact
    if nc is not None:
        in_programmes += nc.count
        if nc.segment not in pop.segments:
            p.add(
                "population.initial.no_contact.segment",
                f"expected one of the segments {sorted(pop.segments)}, found '{nc.segment}'",
            )
    if in_programmes > pop.initial.size:
        p.add(
            "population.initial.size",
            f"expected at least the {in_programmes} people placed in programmes, waiting lists and no contact, "
            f"found {pop.initial.size}",
        )


def _programmes(s: Scenario, p: _Problems) -> None:
    for name, prog in s.programmes.items():
        path = f"programmes.{name}"
        if name == "entry":
            p.add(path, "'entry' is reserved for the route of new customers")
        _condition(s, prog.eligible, f"{path}.eligible", p)
        for i, group in enumerate(prog.waiting_list.priority):
            _condition(s, group.when, f"{path}.waiting_list.priority[{i}].when", p)
        _target(s, prog.waiting_list.renege_to, f"{path}.waiting_list.renege_to", p)
        if is_rules(prog.duration):
            _duration_rules(s, prog.duration, f"{path}.duration", p)
        most = (
            None
            if prog.places is None
            else (max(st.value for st in prog.places) if is_steps(prog.places) else prog.places)
        )
        if prog.cohorts is not None and most is not None and prog.cohorts.min_size > most:
            p.add(
                f"{path}.cohorts.min_size",
                f"expected at most the programme's {most:g} places, found {prog.cohorts.min_size}",
            )
        _reserved(s, name, prog, p)
        for other, a in prog.alongside.items():
            where = f"{path}.alongside.{other}"
            if other not in s.programmes or other == name:
                p.add(
                    where, f"expected another defined programme {sorted(set(s.programmes) - {name})}, found '{other}'"
                )
            _condition(s, a.when, f"{where}.when", p)


def _reserved(s: Scenario, name: str, prog, p: _Problems) -> None:
    """Reserved places are some of the programme's places: it has places, enough of them, and admits one by one
    from its own list (no cohorts, no pool)."""
    if not prog.reserved:
        return
    path = f"programmes.{name}.reserved"
    for i, r in enumerate(prog.reserved):
        _condition(s, r.when, f"{path}[{i}].when", p)
    total = sum(r.places for r in prog.reserved)
    if prog.places is None:
        p.add(
            path,
            "expected reserved places only in a programme with places (they are some of its places), "
            "found a programme without places",
        )
    elif total > largest(prog.places):
        p.add(path, f"expected at most the programme's {largest(prog.places):g} places reserved in all, found {total}")
    if prog.cohorts is not None:
        p.add(path, "expected reserved places only in a programme without cohorts, found cohorts")
    if any(name in pool.programmes for pool in s.pools.values()):
        p.add(path, "expected reserved places only in a programme outside pools, found it in a pool")


def _duration_rules(s: Scenario, rules, path: str, p: _Problems) -> None:
    """A duration by condition: every rule but the last has a `when`, the last has none (it gives everyone
    else their duration); the conditions name declared attributes and levels."""
    last = len(rules) - 1
    for i, rule in enumerate(rules):
        if i == last and rule.when is not None:
            p.add(
                f"{path}[{i}].when",
                "the last rule must have no 'when': it gives the duration of everyone the rules before it do not",
            )
        elif i < last and rule.when is None:
            p.add(
                f"{path}[{i}].when",
                f"expected a 'when' on every rule but the last, found none on rule {i} "
                f"of {last + 1} (the rules after it would never apply)",
            )
        _condition(s, rule.when, f"{path}[{i}].when", p)


def _indicators(s: Scenario, p: _Problems) -> None:
    """The programmes and the attribute level that the § 48a indicators count must exist."""
    ind = s.indicators
    for field in ("marginal_employment", "public_employment", "not_measures"):
        for i, name in enumerate(getattr(ind, field)):
            if name not in s.programmes:
                p.add(
                    f"indicators.{field}[{i}]", f"expected a defined programme {sorted(s.programmes)}, found '{name}'"
                )
        if len(set(getattr(ind, field))) != len(getattr(ind, field)):
            p.add(f"indicators.{field}", f"programmes must be distinct, found {getattr(ind, field)}")
    both = set(ind.marginal_employment) & set(ind.public_employment)
    if both:
        p.add(
            "indicators.public_employment",
            f"expected programmes not also listed in marginal_employment, found {sorted(both)}",
        )
    if ind.single_parent is not None:
        sp = ind.single_parent
        if _levels(s, sp.attribute, "indicators.single_parent.attribute", p) is not None:
            _level(s, sp.attribute, sp.level, "indicators.single_parent.level", p)


def _routes(s: Scenario, p: _Problems) -> None:
    for name, rules in s.routes.items():
        path = f"routes.{name}"
        if name != "entry" and name not in s.programmes:
            p.add(path, f"expected 'entry' or a defined programme {sorted(s.programmes)}, found '{name}'")
            continue
        if rules[-1].when is not None:
            p.add(f"{path}[{len(rules) - 1}].when", "the last rule must have no 'when': it applies to everyone else")
        for i, rule in enumerate(rules):
            _condition(s, rule.when, f"{path}[{i}].when", p)
            total = sum(o.probability for o in rule.options)
            if abs(total - 1) > TOL:
                p.add(f"{path}[{i}].options", f"probabilities must sum to 1, found {number(total)}")
            for j, o in enumerate(rule.options):
                _target(s, o.to, f"{path}[{i}].options[{j}].to", p)
                if name == "entry" and (o.to.startswith("exit") or o.to.startswith("job:")):
                    p.add(
                        f"{path}[{i}].options[{j}].to",
                        "expected 'case_management', 'no_contact' or "
                        "'programme:<name>' (a newcomer starts in benefit receipt; hazards and the routes after "
                        f"programmes lead out of it), found '{o.to}'",
                    )
                if o.gap is not None and not o.to.startswith("programme:"):
                    p.add(
                        f"{path}[{i}].options[{j}].gap",
                        f"expected a gap only before a programme, found one before '{o.to}'",
                    )
                _set(s, o.set, f"{path}[{i}].options[{j}].set", p)


def _counts_of(value, path: str, p: _Problems, least: int = 0) -> list[int]:
    """The numbers a household count (a number, or number -> share) can take."""
    if isinstance(value, int):
        if value < least:
            p.add(path, f"expected at least {least}, found {value}")
        return [value]
    out = []
    for k in value:
        if not k.isdigit() or int(k) < least or int(k) > 50:
            p.add(path, f"expected numbers from {least} to 50 as keys, found '{k}'")
        else:
            out.append(int(k))
    total = sum(value.values())
    if abs(total - 1) > TOL:
        p.add(path, f"shares must sum to 1, found {number(total)}")
    return out or [least]


def _households(s: Scenario, p: _Problems) -> None:
    hs, init = s.households, s.population.initial
    if hs is None:
        for field in ("households", "non_able"):
            if getattr(init, field) is not None:
                p.add(f"population.initial.{field}", "expected a [households] table for day-one households")
        return
    total = sum(t.share for t in hs.types.values())
    if abs(total - 1) > TOL:
        p.add("households.types", f"expected shares summing to 1, found {number(total)}")
    lo, hi, lo_na, hi_na = [], [], [], []
    for name, t in hs.types.items():
        path = f"households.types.{name}"
        elb = _counts_of(t.elb, f"{path}.elb", p, least=1)
        na = _counts_of(t.non_able, f"{path}.non_able", p)
        if t.share > 0:
            lo.append(min(elb))
            hi.append(max(elb))
            lo_na.append(min(na))
            hi_na.append(max(na))
        if isinstance(t.need_ends, dict):
            for k in t.need_ends:
                if not k.isdigit() or int(k) < 1:
                    p.add(f"{path}.need_ends", f"expected numbers of members employed (1, 2, ...) as keys, found '{k}'")
    for i, attr in enumerate(hs.shared):
        if attr not in s.attributes:
            p.add(f"households.shared[{i}]", f"expected an attribute {sorted(s.attributes)}, found '{attr}'")
    for name, h in hs.hazards.items():
        path = f"households.hazards.{name}"
        kind, _, exit_kind = h.to.partition(":")
        if kind != "exit" or exit_kind not in EXIT_KINDS:
            p.add(f"{path}.to", f"expected 'exit:<kind>' with a kind in {list(EXIT_KINDS)}, found '{h.to}'")
        for i, t in enumerate(h.types):
            if t not in hs.types:
                p.add(
                    f"{path}.types[{i}]",
                    f"expected a household type of households.types {sorted(hs.types)}, found '{t}'",
                )
    n = init.households
    if n is not None and lo:
        if not (n * min(lo) <= init.size <= n * max(hi)):
            p.add(
                "population.initial.households",
                f"expected {n} households to hold the {init.size} day-one eLb (their types allow "
                f"{min(lo)} to {max(hi)} each), found too {'few' if init.size > n * max(hi) else 'many'}",
            )
        if init.non_able is not None and not (n * min(lo_na) <= init.non_able <= n * max(hi_na)):
            p.add(
                "population.initial.non_able",
                f"expected {init.non_able} non-able members to fit {n} households (their types allow "
                f"{min(lo_na)} to {max(hi_na)} each)",
            )
    elif init.non_able is not None:
        p.add("population.initial.non_able", "expected population.initial.households with it (met together)")


def _hazards(s: Scenario, p: _Problems) -> None:
    for name, h in s.hazards.items():
        path = f"hazards.{name}"
        if name in ENGINE_REASONS:
            p.add(
                path,
                f"expected a hazard name other than the engine's own end reasons {sorted(ENGINE_REASONS)}, "
                f"found '{name}'",
            )
        for i, pat in enumerate(h.in_):
            if not state_pattern_ok(s, pat):
                p.add(
                    f"{path}.in[{i}]",
                    "expected 'case_management', 'no_contact', 'handover', 'waiting:<programme>', "
                    f"'programme:<programme>' or 'exit:<kind>' (or '*' for any), found '{pat}'",
                )
        in_exit = any(pat.startswith("exit:") for pat in h.in_)
        _target(s, h.to, f"{path}.to", p, allow_entry=in_exit)
        if h.to == "entry" and not all(pat.startswith("exit:") for pat in h.in_):
            p.add(f"{path}.to", "'entry' (re-entry into benefit receipt) applies only to 'exit:' states")
        if h.to.startswith("job:") and in_exit:
            p.add(
                f"{path}.to", "a job ('job:<kind>') is taken up in benefit receipt: expected no 'exit:' state in 'in'"
            )
        if h.leaves_household and (s.households is None or h.to == "entry"):
            p.add(
                f"{path}.leaves_household",
                "expected a [households] table and a move within or out of benefit (not 'entry')",
            )
        if h.household and not h.to.startswith("exit:"):
            p.add(
                f"{path}.household", f"expected 'household = true' only on an exit ('exit:<kind>'), found to = '{h.to}'"
            )
        _condition(s, h.when, f"{path}.when", p)
        _set(s, h.set, f"{path}.set", p)


# --- magnitudes ------------------------------------------------------------------------


def durations(s: Scenario):
    """Every duration of the scenario with its field path."""
    pop = s.population
    for name, seg in pop.segments.items():
        yield f"population.segments.{name}.months_in_benefit", seg.months_in_benefit
    for name, ip in pop.initial.programmes.items():
        yield f"population.initial.programmes.{name}.elapsed", ip.elapsed
        yield f"population.initial.programmes.{name}.waited", ip.waited
    if pop.initial.no_contact is not None:
        yield "population.initial.no_contact.elapsed", pop.initial.no_contact.elapsed
    for name, prog in s.programmes.items():
        yield from programme_durations(name, prog)
        yield f"programmes.{name}.waiting_list.patience", prog.waiting_list.patience
    for name, rules in s.routes.items():
        for i, rule in enumerate(rules):
            for j, o in enumerate(rule.options):
                yield f"routes.{name}[{i}].options[{j}].gap", o.gap
    for name, job in s.employment.items():
        yield f"employment.{name}.duration", job.duration


def programme_durations(name: str, prog):
    """A programme's distributions with their field paths: one, or one per rule of a duration by condition."""
    if is_rules(prog.duration):
        for i, rule in enumerate(prog.duration):
            yield f"programmes.{name}.duration[{i}].duration", rule.duration
    else:
        yield f"programmes.{name}.duration", prog.duration


def mean_days(d) -> float:
    """The mean of a duration in days (inf if it overflows)."""
    k = UNIT_DAYS[d.unit]
    if d.dist == "fixed":
        return d.value * k
    if d.dist == "uniform":
        return (d.low + d.high) / 2 * k
    if d.dist == "empirical":
        w = d.weights or [1.0] * len(d.values)
        return sum(v * x for v, x in zip(d.values, w)) / sum(w) * k
    if d.dist == "weibull":
        log_mean = math.log(d.scale * k) + math.lgamma(1 + 1 / d.shape)
        return math.exp(log_mean) if log_mean < 700 else math.inf
    return d.mean * k


def longest_days(d) -> float:
    """The largest value a duration takes (its mean for unbounded kinds), in days."""
    k = UNIT_DAYS[d.unit]
    if d.dist == "fixed":
        return d.value * k
    if d.dist == "uniform":
        return d.high * k
    if d.dist == "empirical":
        w = d.weights or [1.0] * len(d.values)
        return max(v for v, x in zip(d.values, w) if x > 0) * k
    return mean_days(d)


def _duration(d, path: str, p: _Problems) -> None:
    k = UNIT_DAYS[d.unit]
    params = {n: getattr(d, n) for n in ("value", "low", "high", "mean", "sd", "scale") if hasattr(d, n)}
    before = len(p)
    for n, v in params.items():
        if v * k > MAX_DAYS:
            p.add(f"{path}.{n}", f"expected at most 100 years ({MAX_DAYS / k:g} {d.unit}), found {v:g}")
    if len(p) > before:
        return
    if d.dist == "empirical" and max(d.values) * k > MAX_DAYS:
        p.add(
            f"{path}.values",
            f"expected values of at most 100 years ({MAX_DAYS / k:g} {d.unit}), found {max(d.values):g}",
        )
    if d.dist in ("gamma", "lognormal") and not CV_RANGE[0] <= d.sd / d.mean <= CV_RANGE[1]:
        p.add(
            f"{path}.sd",
            f"expected sd between {CV_RANGE[0]:g} and {CV_RANGE[1]:g} times the mean ({d.mean:g}), found {d.sd:g}",
        )
    if d.dist == "weibull":
        if not SHAPE_RANGE[0] <= d.shape <= SHAPE_RANGE[1]:
            p.add(
                f"{path}.shape",
                f"expected a shape between {SHAPE_RANGE[0]:g} and {SHAPE_RANGE[1]:g}, found {d.shape:g}",
            )
        elif mean_days(d) > MAX_DAYS:
            p.add(f"{path}.scale", f"expected a mean of at most 100 years, found {mean_days(d) / k:g} {d.unit}")


def _span(span, path: str, p: _Problems, least: float = 0.0) -> None:
    days = span.value * UNIT_DAYS[span.unit]
    if days > MAX_DAYS:
        p.add(f"{path}.value", f"expected at most 100 years, found {span.value:g} {span.unit}")
    elif days < least:
        p.add(f"{path}.value", f"expected at least {least:g} day, found {span.value:g} {span.unit}")


def _magnitudes(s: Scenario, p: _Problems) -> None:
    for path, d in durations(s):
        if d is not None:
            _duration(d, path, p)
    for name, prog in s.programmes.items():
        if prog.cohorts is not None and prog.cohorts.start_every is not None:
            _span(prog.cohorts.start_every, f"programmes.{name}.cohorts.start_every", p, MIN_START_EVERY_DAYS)
    for name, h in s.hazards.items():
        if h.after_in_state is not None:
            _span(h.after_in_state, f"hazards.{name}.after_in_state", p)


# --- values over calendar time and budgets ------------------------------------------


def _end_date(s: Scenario) -> dt.date:
    y, m = divmod(s.time.start.month - 1 + round(12 * s.time.years), 12)
    return dt.date(s.time.start.year + y, m + 1, 1)


def _steps(s: Scenario, value, path: str, p: _Problems, whole: bool = False) -> None:
    """A value over calendar time: the first step on or before the start, every step before the end."""
    if not is_steps(value):
        return
    start, end = s.time.start, _end_date(s)
    if value[0].from_ > start:
        p.add(
            f"{path}[0].from",
            f"expected the first step on or before the start ({start.isoformat()}), found {value[0].from_.isoformat()}",
        )
    for i, step in enumerate(value):
        if step.from_ >= end:
            p.add(
                f"{path}[{i}].from",
                f"expected a date before the end of the simulated time ({end.isoformat()}), "
                f"found {step.from_.isoformat()}",
            )
        if whole and step.value != int(step.value):
            p.add(f"{path}[{i}].value", f"expected a whole number, found {step.value:g}")


def largest(value) -> float:
    """The largest value a number over calendar time takes (the number itself if constant)."""
    return max(st.value for st in value) if is_steps(value) else float(value)


def _bounded(value, most: float, what: str, path: str, p: _Problems) -> None:
    """A number over calendar time within its bound: the constant, or each of its steps (a step of 1e300 places
    is not "unlimited", it is a typing error)."""
    if value is None:
        return
    for i, x in enumerate([st.value for st in value] if is_steps(value) else [value]):
        if x > most:
            where = f"{path}[{i}].value" if is_steps(value) else path
            p.add(where, f"expected at most {most:g} {what}, found {x:g}")


def _timed_values(s: Scenario, p: _Problems) -> None:
    for name, prog in s.programmes.items():
        _steps(s, prog.places, f"programmes.{name}.places", p, whole=True)
        _steps(s, prog.entries_per_year, f"programmes.{name}.entries_per_year", p, whole=True)
        _bounded(prog.places, MAX_COUNT, "places", f"programmes.{name}.places", p)
        _bounded(prog.entries_per_year, MAX_COUNT, "entries a year", f"programmes.{name}.entries_per_year", p)
    if s.population.inflow is not None:
        _steps(s, s.population.inflow.per_month, "population.inflow.per_month", p)
        _bounded(s.population.inflow.per_month, MAX_PER_MONTH, "people a month", "population.inflow.per_month", p)
    for name, h in s.hazards.items():
        if h.calendar is not None:
            _steps(s, h.calendar, f"hazards.{name}.calendar", p)
    lm = s.labour_market
    if lm is not None:
        _steps(s, lm.factor, "labour_market.factor", p)
        for i, h in enumerate(lm.hazards):
            if h not in s.hazards:
                p.add(f"labour_market.hazards[{i}]", f"expected a defined hazard {sorted(s.hazards)}, found '{h}'")


def _claim(owners: dict[str, str], item: str, owner: str, what: str, where: str, p: _Problems) -> bool:
    """`owner` (a table's path, e.g. budgets.b) takes `item`; one that another owner took first is reported."""
    first = owners.setdefault(item, owner)
    if first != owner:
        p.add(where, f"expected each {what} at most, found '{item}' also in {first}")
        return False
    return True


def _budgets(s: Scenario, p: _Problems) -> None:
    paid_by: dict[str, str] = {}
    for name, b in s.budgets.items():
        path = f"budgets.{name}"
        _steps(s, b.per_year, f"{path}.per_year", p)
        _bounded(b.per_year, MAX_BUDGET, "EUR a year", f"{path}.per_year", p)
        for i, prog in enumerate(b.programmes):
            where = f"{path}.programmes[{i}]"
            if prog not in s.programmes:
                p.add(where, f"expected a defined programme {sorted(s.programmes)}, found '{prog}'")
            elif (
                _claim(paid_by, prog, path, "programme in one budget", where, p)
                and s.programmes[prog].cost_per_month <= 0
            ):
                p.add(
                    where,
                    f"expected a programme with a cost_per_month above 0 (an entry commits cost x mean "
                    f"duration), found '{prog}' with none",
                )
        if b.when_exhausted != "wait":
            _target(s, b.when_exhausted, f"{path}.when_exhausted", p)
            if b.when_exhausted.startswith("exit"):
                p.add(
                    f"{path}.when_exhausted",
                    "expected 'wait', 'case_management', 'no_contact' or "
                    f"'programme:<name>' (no money for a programme does not end benefit receipt), "
                    f"found '{b.when_exhausted}'",
                )


def _staffing(s: Scenario, p: _Problems) -> None:
    scaled_by: dict[str, str] = {}
    counted_in: dict[str, str] = {}
    for name, g in s.staffing.items():
        path = f"staffing.{name}"
        _steps(s, g.staff, f"{path}.staff", p)
        _bounded(g.staff, MAX_STAFF, "case managers", f"{path}.staff", p)
        if not g.source.strip():
            p.add(
                f"{path}.source",
                "expected where the caseload effect comes from (a reference, or 'assumption'), found nothing",
            )
        for i, pat in enumerate(g.states):
            where = f"{path}.states[{i}]"
            if not state_pattern_ok(s, pat) or pat.startswith("exit"):
                p.add(
                    where,
                    f"expected a state pattern such as 'case_management', 'no_contact', 'waiting:<programme>',"
                    f" 'programme:<programme>' or 'programme:*', found '{pat}'",
                )
                continue
            for st in states(s) + ["handover"]:
                if matches(pat, st):
                    _claim(counted_in, st, path, "state in the caseload of one staffing group", where, p)
        for i, h in enumerate(g.hazards):
            where = f"{path}.hazards[{i}]"
            if h not in s.hazards:
                p.add(where, f"expected a defined hazard {sorted(s.hazards)}, found '{h}'")
            else:
                _claim(scaled_by, h, path, "hazard in one staffing group", where, p)


def _pools(s: Scenario, p: _Problems) -> None:
    in_pool: dict[str, str] = {}
    for name, pool in s.pools.items():
        path = f"pools.{name}"
        _steps(s, pool.places, f"{path}.places", p, whole=True)
        _bounded(pool.places, MAX_COUNT, "places", f"{path}.places", p)
        if len(set(pool.programmes)) != len(pool.programmes):
            p.add(f"{path}.programmes", f"programmes must be distinct, found {pool.programmes}")
        for i, prog in enumerate(pool.programmes):
            where = f"{path}.programmes[{i}]"
            if prog not in s.programmes:
                p.add(where, f"expected a defined programme {sorted(s.programmes)}, found '{prog}'")
                continue
            _claim(in_pool, prog, path, "programme in one pool", where, p)
            spec = s.programmes[prog]
            if spec.cohorts is not None:
                p.add(
                    where,
                    f"expected a programme without cohorts (classes in a pool are not supported), "
                    f"found '{prog}' with cohorts",
                )
            if pool.waiting_list == "shared" and spec.waiting_list.priority:
                p.add(
                    where,
                    f"expected a programme without its own waiting_list.priority (the shared list "
                    f"serves by the priority of the pool), found '{prog}' with priority groups of its own",
                )
        if pool.places is None and pool.waiting_list != "shared":
            p.add(
                path,
                'expected places or waiting_list = "shared" (a pool without either changes nothing), found neither',
            )
        if pool.priority and pool.waiting_list != "shared":
            p.add(
                f"{path}.priority",
                f'expected priority groups only with waiting_list = "shared", '
                f'found {len(pool.priority)} with waiting_list = "{pool.waiting_list}"',
            )
        for i, group in enumerate(pool.priority):
            _condition(s, group.when, f"{path}.priority[{i}].when", p)


def shared_pools(s: Scenario) -> dict[str, list[str]]:
    """Programme -> the members of its pool, for members of a pool with a shared waiting list."""
    return {
        m: list(pool.programmes)
        for pool in s.pools.values()
        if pool.waiting_list == "shared"
        for m in pool.programmes
        if m in s.programmes
    }


def _lasting(value) -> float | None:
    """What a capacity (a count or an amount over calendar time) is from its last step to the end: the value
    that holds for ever after; None = unlimited."""
    if value is None:
        return None
    return value[-1].value if is_steps(value) else value


def closed_for_good(s: Scenario, name: str) -> str | None:
    """Why nobody is admitted to a programme from some date to the end, by one rule for every kind of capacity
    (its places, its yearly quota, its pool's places, its budget's money): the field of the capacity (or of its
    last step) that is 0 and stays 0. None: someone can still be admitted then."""
    prog = s.programmes[name]
    why = []
    for field, value in (
        (f"programmes.{name}.places", prog.places),
        (f"programmes.{name}.entries_per_year", prog.entries_per_year),
    ):
        why.append((field, value))
    for pname, pool in s.pools.items():
        if name in pool.programmes:
            why.append((f"pools.{pname}.places", pool.places))
    for bname, b in s.budgets.items():
        if name in b.programmes and b.when_exhausted == "wait" and not (b.carry_over and largest(b.per_year) > 0):
            why.append((f"budgets.{bname}.per_year", b.per_year))
    for field, value in why:
        if _lasting(value) == 0:
            return field + (f"[{len(value) - 1}]" if is_steps(value) else "")
    return None


def _levers(s: Scenario, p: _Problems) -> None:
    for name, group in s.levers.items():
        for i, h in enumerate(group.hazards):
            if h not in s.hazards:
                p.add(f"levers.{name}.hazards[{i}]", f"expected a defined hazard {sorted(s.hazards)}, found '{h}'")


# --- effective values: every factor that can act at once -------------------------------


def _peak_product(lines: list) -> float:
    """The largest product of numbers over calendar time that hold at the same time (steps change on dates)."""
    dates = sorted({st.from_ for line in lines if is_steps(line) for st in line})

    def at(line, d):
        if not is_steps(line):
            return float(line)
        past = [st.value for st in line if st.from_ <= d]
        return past[-1] if past else line[0].value

    if not dates:
        return math.prod(float(x) for x in lines)
    return max(math.prod(at(line, d) for line in lines) for d in dates)


def rate_factors(s: Scenario, name: str) -> list[tuple[str, str, float]]:
    """The largest factor each source can put on a hazard's rate, with its field (and the fields it stands for,
    to show): the bands by months in benefit,
    the calendar and the labour market together (they hold on the same dates), a staffing group's max_factor
    (the engine runs a staffed hazard at rate x max_factor and thins its firings)."""
    h = s.hazards[name]
    out = []
    if h.by_months_in_benefit:
        bands = f"hazards.{name}.by_months_in_benefit"
        out.append((bands, bands, max(m for _, m in h.by_months_in_benefit)))
    lm = s.labour_market
    lines = [(f"hazards.{name}.calendar", h.calendar)] if h.calendar is not None else []
    if lm is not None and name in lm.hazards:
        lines.append(("labour_market.factor", lm.factor))
    if lines:
        field = max(lines, key=lambda fl: largest(fl[1]))[0]
        out.append((field, " x ".join(f for f, _ in lines), _peak_product([line for _, line in lines])))
    for g, spec in s.staffing.items():
        if name in spec.hazards:
            out.append((f"staffing.{g}.max_factor", f"staffing.{g}.max_factor", spec.max_factor))
    return out


def _effective_rates(s: Scenario, p: _Problems) -> None:
    """A hazard's rate times every factor that can act on it at once stays within MAX_RATE: a calendar or labour
    market factor of 1e6 would make a run that never ends."""
    for name, h in s.hazards.items():
        factors = rate_factors(s, name)
        rate = h.rate_per_month * math.prod(f for _, _, f in factors)
        if rate <= MAX_RATE:
            continue
        big = max(factors, key=lambda f: f[2], default=None)
        where = big[0] if big is not None and big[2] > 1 else f"hazards.{name}.rate_per_month"
        shown = f"{h.rate_per_month:g}" + "".join(f" x {f:g} ({label})" for _, label, f in factors if f != 1)
        p.add(
            where,
            f"expected a rate of at most {MAX_RATE:g} per month for hazard '{name}' with every factor "
            f"that can act on it at once, found {shown}" + (f" = {rate:g}" if shown != f"{h.rate_per_month:g}" else ""),
        )
    for name, hh in s.households.hazards.items() if s.households else ():
        top = hh.rate_per_month * max((f for _, f in hh.by_months_in_benefit), default=1.0)
        if top > MAX_RATE:
            p.add(
                f"households.hazards.{name}.rate_per_month",
                f"expected a rate of at most {MAX_RATE:g} per month with its largest band, found {top:g}",
            )


def _effective_inflow(s: Scenario, p: _Problems) -> None:
    """The inflow at its peak, its largest month's factor times its largest step plus every wave, stays within
    MAX_PER_MONTH."""
    pop = s.population
    parts = []
    if pop.inflow is not None:
        top = max(pop.inflow.monthly_factors or [1.0])
        parts.append(("population.inflow.per_month", largest(pop.inflow.per_month) * top))
    parts += [(f"population.waves.{w}.per_month", wave.per_month) for w, wave in pop.waves.items()]
    total = sum(x for _, x in parts)
    if total > MAX_PER_MONTH:
        where = max(parts, key=lambda fx: fx[1])[0]
        if (
            where == "population.inflow.per_month"
            and pop.inflow.monthly_factors
            and max(pop.inflow.monthly_factors) > 1
        ):
            where = "population.inflow.monthly_factors"
        p.add(
            where,
            f"expected at most {MAX_PER_MONTH:g} people a month at the peak (inflow x its largest monthly "
            f"factor, plus every wave), found {total:g}",
        )


def segment_share(s: Scenario, segment: str, cond) -> float:
    """The share of a segment's customers that pass a condition (attributes are independent within a segment)."""
    seg = s.population.segments[segment]
    share = 1.0
    for attr, test in (cond or {}).items():
        mix = seg.attributes.get(attr, s.population.common.get(attr))
        allowed = _allowed(s.attributes[attr], test)
        share *= (
            (1.0 if mix in allowed else 0.0)
            if isinstance(mix, str)
            else sum(x for level, x in (mix or {}).items() if level in allowed)
        )
    return share


def _day_one_partly_eligible(s: Scenario, p: _Problems) -> None:
    """Day-one waiters of a programme are placed on its list (and admitted) whatever its eligibility says: a
    segment some or all of whom are not eligible is worth a word. (Day-one participants may have changed since they
    entered, e.g. learnt German: not checked.)"""
    for prog, ip in s.population.initial.programmes.items():
        spec = s.programmes.get(prog)
        if spec is None or not spec.eligible or not ip.waiting:
            continue
        share = segment_share(s, ip.segment, spec.eligible)
        if share < 1 - TOL:
            p.add(
                f"population.initial.programmes.{prog}.segment",
                f"{100 * (1 - share):.3g} % of segment '{ip.segment}' are not eligible for '{prog}' "
                f"(programmes.{prog}.eligible); on day one they are placed on its list all the same",
            )


# --- time must move on ---------------------------------------------------------------


def _instant(d) -> bool:
    """A duration that lets (next to) no time pass: always zero, or below a minute at most or on average."""
    return d is not None and longest_days(d) < INSTANT_DAYS


def _no_instant_loops(s: Scenario, p: _Problems) -> None:
    """Moves that take no time must not form a circle (it would never end): zero-length programmes routing
    on without a gap (or a gap of no time), and waiting lists left at once (patience of no time)."""
    edges: dict[str, list[tuple[str, str]]] = defaultdict(list)  # state -> [(next state, field)]
    for name, prog in s.programmes.items():
        edges[f"waiting:{name}"].append((f"programme:{name}", ""))  # admission can be immediate
        for other in shared_pools(s).get(name, ()):  # also into another member of a shared list
            if other != name:
                edges[f"waiting:{name}"].append((f"programme:{other}", ""))
        wl = prog.waiting_list
        if _instant(wl.patience) and wl.renege_to.startswith("programme:"):
            edges[f"waiting:{name}"].append((_node(wl.renege_to), f"programmes.{name}.waiting_list.patience"))
        if any(_instant(d) for _, d in programme_durations(name, prog)):  # for some entrants, no time
            for rule in s.routes.get(name, []):
                for o in rule.options:
                    if o.probability > 0 and o.to.startswith("programme:") and (o.gap is None or _instant(o.gap)):
                        edges[f"programme:{name}"].append((_node(o.to), f"routes.{name}"))
    state: dict[str, int] = {}

    def visit(n: str, path: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        state[n] = 1
        for m, field in edges.get(n, ()):
            if state.get(m) == 1:
                return path + [(n, field), (m, "")]
            if m not in state and (cycle := visit(m, path + [(n, field)])):
                return cycle
        state[n] = 2
        return None

    for n in list(edges):
        if n not in state and (cycle := visit(n, [])):
            start = next(i for i, (x, _) in enumerate(cycle) if x == cycle[-1][0])
            loop = cycle[start:]
            field = next(f for _, f in reversed(loop) if f)
            p.add(
                field,
                "expected time to pass on every circle of moves, found zero-length programmes, gaps or "
                f"patience routing into each other: {' -> '.join(x for x, _ in loop)}",
            )
            return


# --- every state must lead to an exit --------------------------------------------------


def states(s: Scenario) -> list[str]:
    """The scenario's hazard states in benefit receipt (states.benefit_states)."""
    return benefit_states(s.programmes)


def _node(to: str) -> str:
    return "waiting:" + to.split(":", 1)[1] if to.startswith("programme:") else to


def _exits_reachable(s: Scenario, p: _Problems) -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    all_states = states(s)
    shared = shared_pools(s)

    closed = {name: why for name in s.programmes if (why := closed_for_good(s, name))}

    def admits(name: str) -> bool:
        return name not in closed

    for h in s.hazards.values():
        if h.rate_per_month == 0 or h.to == "entry":
            continue
        for st in all_states:
            if any(matches(pat, st) for pat in h.in_):
                edges[st].add(_node(h.to))
    for kind, job in s.employment.items():  # a job covers the household's need, or leaves them employed
        if job.need_ends > 0 or (s.households and any(t.need_ends for t in s.households.types.values())):
            edges[f"job:{kind}"].add("exit:earnings")
        edges[f"job:{kind}"].add("employed")
        if job.duration is not None:
            edges["employed"].add("case_management")
    for h in s.households.hazards.values() if s.households else ():
        if h.rate_per_month > 0:
            for st in all_states:
                edges[st].add(h.to)
    for name, prog in s.programmes.items():
        if admits(name):  # no places, quota, pool places or money that last: in the end nobody is admitted
            edges[f"waiting:{name}"].add(f"programme:{name}")
        for other in shared.get(name, ()):  # a shared list may place them in another member
            if other != name and admits(other):
                edges[f"waiting:{name}"].add(f"programme:{other}")
        if prog.waiting_list.patience is not None:
            edges[f"waiting:{name}"].add(_node(prog.waiting_list.renege_to))
        rules = s.routes.get(name)
        if rules is None:
            edges[f"programme:{name}"].add("case_management")
        for rule in rules or []:
            for o in rule.options:
                if o.probability > 0:
                    edges[f"programme:{name}"].add(_node(o.to))
    # states from which an exit is reachable: backwards search from the exits
    reverse: dict[str, set[str]] = defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            reverse[b].add(a)
    good = {n for bs in edges.values() for n in bs if n.startswith("exit:")}
    todo = list(good)
    while todo:
        for a in reverse[todo.pop()]:
            if a not in good:
                good.add(a)
                todo.append(a)
    # states customers can be in: from the entry route, case management and the starting state
    init = s.population.initial
    placed = sum(ip.participants + ip.waiting for ip in init.programmes.values())
    placed += init.no_contact.count if init.no_contact else 0
    idle_start = init.size > placed or "entry" not in s.routes or any(p.eligible for p in s.programmes.values())
    starts = {"case_management"} if idle_start else set()  # (the ineligible are sent to case management)
    starts |= {f"waiting:{n}" for n in init.programmes}
    if init.no_contact is not None and init.no_contact.count:
        starts.add("no_contact")
    starts |= {f"programme:{n}" for n, ip in s.population.initial.programmes.items() if ip.participants}
    for rule in s.routes.get("entry", []):
        starts |= {_node(o.to) for o in rule.options if o.probability > 0}
    seen, todo = set(starts), list(starts)
    while todo:
        for b in edges[todo.pop()]:
            if b not in seen and not b.startswith("exit:"):
                seen.add(b)
                todo.append(b)
    stuck = sorted(st for st in seen if st not in good)
    if stuck:
        shut = sorted({n for st in stuck if (n := st.partition(":")[2]) in closed})
        p.add(
            "routes/hazards",
            "no exit from benefit receipt can be reached from: "
            + ", ".join(stuck)
            + " (customers there would stay for ever; add a route option or hazard leading to 'exit:<kind>')"
            + (
                f"; in the end nobody is admitted to {', '.join(repr(n) for n in shut)} "
                f"({', '.join(closed[n] for n in shut)} = 0)"
                if shut
                else ""
            ),
        )
