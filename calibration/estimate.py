"""`jobpath estimate SPELLS`: transition hazards from spell data by competing-risks maximum likelihood.

    jobpath estimate results/run/spells.parquet --state case_management --by sex \
        --cuts 0,6,12,24 --time-scale benefit --out est.csv --fragment rates.toml

Each cause (a hazard name in `end_reason`) gets its cause-specific hazard: spells ending for
that cause are events, every other end (another hazard, a programme's own end, the horizon)
censors them. Models: exponential (events/exposure), Weibull (numerical MLE) and
piecewise-constant (events/exposure per piece), all with 95 % intervals; rates are per month
of 365.25/12 days.

Time scales: `state` measures time since entering the state (for `waiting:<p>` since joining
the list, for `programme:<p>` since admission); `benefit` measures months since the start of
the benefit episode, the scale of the scenario's `by_months_in_benefit`, and needs each
person's whole sequence of spells (as `jobpath run` writes them). On either scale, time before
`--window-start` (day 0 = the scenario start) is not observed: spells open then enter the risk
set late (left truncation), as the day-one stock does.

Times are days since the scenario start (negative: before it). A spell whose times the
estimator cannot use (NaN where a day is needed, infinite, text, or ending before it starts) is
refused with its column and rows; `--drop-invalid` leaves such spells out instead, and the
printed note, the `--out` table (columns dropped_spells, dropped_why) and the fragment say how
many and why.

Heavy libraries are imported inside the functions, so registering the command stays cheap.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

DAYS_PER_MONTH = 365.25 / 12
REQUIRED = ("person_id", "state", "start", "end", "end_reason")
# end reasons that are not hazards: the default set of causes leaves them out
FIXED_REASONS = (
    "censored",
    "completed",
    "reneged",
    "handover_done",
    "simulation_start",
    "main_phase_ended",
    "admitted",
)
TIME_SCALES = ("state", "benefit")
MODEL_NAMES = ("exponential", "weibull", "piecewise")
COLUMNS = (
    "state",
    "cause",
    "group",
    "model",
    "parameter",
    "estimate",
    "ci_low",
    "ci_high",
    "events",
    "exposure_months",
    "time_scale",
)
ALL = "all"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the user's input: printed as is, exit code 2."""


# --- reading ---------------------------------------------------------------------------


def read_spells(path: str | Path, drop_invalid: bool = False):
    """The spells table from a Parquet or CSV file, with the required columns present and usable times.

    Spells with unusable times (`check_times`) are refused, or with `drop_invalid` left out:
    the table then carries `attrs["dropped"]`, the count and why (`Dropped`)."""
    df = _read(path)
    bad = check_times(df, str(path))
    if bad.rows.size and not drop_invalid:
        raise InputError(bad.refusal(str(path), len(df)))
    if drop_invalid:
        df = df.drop(index=df.index[bad.rows]).reset_index(drop=True)
        df.attrs["dropped"] = Dropped(int(bad.rows.size), len(df) + int(bad.rows.size), bad.summary())
    return df


def _read(path: str | Path):
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: expected a spells file (.parquet or .csv), found no file")
    try:
        df = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001  (any reader failure is a bad input file)
        raise InputError(f"{path}: expected a Parquet or CSV spells table, could not read it: {e}") from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{path}: expected columns {list(REQUIRED)}, missing {missing} (found {list(df.columns)})")
    return df


# --- spells with unusable times ----------------------------------------------------------

TIME_COLUMNS = ("waiting_start", "start", "end")  # days since the scenario start; negative = before it
WAITING_STATES = ("programme", "alongside")  # the states whose spells have a waiting_start
ROWS_SHOWN = 5
EXPECTED = {  # what each time column must hold; empty where the spells table leaves it empty on purpose
    "end": "a finite day for every spell (an open spell ends at the observation end, end_reason 'censored')",
    "start": "a finite day for every spell (empty only for a programme spell never admitted, which has a "
    "waiting_start)",
    "waiting_start": "a finite day for every programme and alongside spell (empty for other states)",
}
ORDER = (
    ("end", "start", "an end no earlier than the start"),
    ("end", "waiting_start", "an end no earlier than the waiting_start"),
    ("start", "waiting_start", "a start (admission) no earlier than the waiting_start"),
)


class Dropped:
    """Spells left out by --drop-invalid: how many of how many, and why (one phrase per problem)."""

    def __init__(self, count: int, of: int, why: list[str]) -> None:
        self.count, self.of, self.why = count, of, why

    def __str__(self) -> str:
        if not self.count:
            return f"--drop-invalid: no spells dropped (all {self.of:,} have usable times)"
        return (
            f"--drop-invalid: dropped {self.count:,} of {self.of:,} spells with unusable times ({'; '.join(self.why)})"
        )


class BadTimes:
    """The problems of a spells table's time columns, and the positions of every spell with one."""

    def __init__(self, problems: list[tuple[str, str, str, str, "object"]], rows) -> None:
        self.problems = problems  # (column, expected, found, short label, row positions)
        self.rows = rows

    def summary(self) -> list[str]:
        return [f"{label}: {len(pos):,}" for _, _, _, label, pos in self.problems]

    def refusal(self, path: str, total: int) -> str:
        lines = [
            f"{path}: expected usable times in every spell, found {self.rows.size:,} of {total:,} spells "
            "without them (rows counted from 1 at the first spell); correct them, or leave them out with "
            "--drop-invalid"
        ]
        for col, expected, found, _, pos in self.problems:
            n = len(pos)
            shown = ", ".join(str(int(r) + 1) for r in pos[:ROWS_SHOWN]) + (", ..." if n > ROWS_SHOWN else "")
            lines.append(
                f"  column '{col}': expected {expected}, found {n:,} spell{'s' * (n != 1)} "
                f"{found} (row{'s' * (n != 1)} {shown})"
            )
        return "\n".join(lines)


def check_times(df, path: str = "spells") -> BadTimes:
    """Every spell's times: finite days where the estimator uses them, and in order (waiting_start <= start <=
    end). Negative days are fine (before the scenario start). The time columns of `df` are made floats."""
    import numpy as np
    import pandas as pd

    state = _strings(df["state"]).to_numpy()
    problems, bad = [], np.zeros(len(df), dtype=bool)

    def report(col, expected, found, label, mask):
        if mask.any():
            problems.append((col, expected, found, label, np.flatnonzero(mask)))
            bad[mask] = True

    values = {}
    for col in [c for c in TIME_COLUMNS if c in df.columns]:
        raw = df[col]
        if pd.api.types.is_datetime64_any_dtype(raw) or isinstance(raw.dtype, pd.PeriodDtype):
            raise InputError(
                f"{path}: column '{col}': expected days since the scenario start (numbers), found dates ({raw.dtype})"
            )
        missing = raw.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            v = raw.to_numpy(dtype=float, na_value=np.nan)
        else:  # text (a CSV column with a word in it): what is no number shows as NaN, reported below
            v = pd.to_numeric(raw.astype("object").where(~missing, np.nan), errors="coerce").astype(float).to_numpy()
        df[col] = v
        values[col] = v
        required = np.ones(len(df), dtype=bool)
        if col == "waiting_start":
            required = np.isin(state, WAITING_STATES)
        elif col == "start" and "waiting_start" in df.columns:  # a programme spell may wait without admission
            required = state != "programme"
        expected = EXPECTED[col]
        report(col, expected, "with text that is no number", f"'{col}' not a number", ~missing & np.isnan(v))
        report(col, expected, "with NaN (missing)", f"'{col}' NaN", missing & required)
        report(col, expected, "with +inf", f"'{col}' +inf", v == np.inf)
        report(col, expected, "with -inf", f"'{col}' -inf", v == -np.inf)
    for later, earlier, expected in ORDER:
        if later in values and earlier in values:
            a, b = values[later], values[earlier]
            report(
                later,
                expected,
                f"with {later} before {earlier}",
                f"'{later}' before '{earlier}'",
                np.isfinite(a) & np.isfinite(b) & (a < b),
            )
    return BadTimes(problems, np.flatnonzero(bad))


def _strings(s):
    """A column as plain Python strings (categoricals, Arrow strings), missing as '<NA>'."""
    return s.astype("object").where(s.notna(), "<NA>").astype(str)


def prepare(df):
    """Add each spell's beginning (`_begin`) and the start of its benefit episode (`_episode`).

    A programme spell begins when its waiting part begins. A benefit episode (or a time out of
    benefit) is a run of consecutive spells of a person that are all non-exit (or all exit),
    starting where its first spell begins; `alongside` spells run in parallel and are skipped.
    """
    import numpy as np

    df = df.copy()
    df["state"] = _strings(df["state"])
    df["end_reason"] = _strings(df["end_reason"])
    wait = df["waiting_start"].to_numpy(float) if "waiting_start" in df else np.full(len(df), np.nan)
    start = df["start"].to_numpy(float)
    df["_begin"] = np.where((df["state"] == "programme").to_numpy() & ~np.isnan(wait), wait, start)
    line = df[df["state"] != "alongside"].sort_values(["person_id", "_begin", "end"], kind="stable")
    is_exit = (line["state"] == "exit").to_numpy()
    pid = line["person_id"].to_numpy()
    new_run = np.ones(len(line), dtype=bool)
    new_run[1:] = (pid[1:] != pid[:-1]) | (is_exit[1:] != is_exit[:-1])
    run_id = np.cumsum(new_run)
    episode = line["_begin"].groupby(run_id).transform("first").to_numpy()
    df["_episode"] = np.nan
    df.loc[line.index, "_episode"] = episode
    return df


# --- selecting a state's spells --------------------------------------------------------


def _need(df, column: str, selector: str) -> None:
    if column not in df.columns:
        raise InputError(f"state '{selector}': needs column '{column}', which the spells table does not have")


def _matching(df, column: str, name: str):
    return df[column].notna() if name == "*" else (_strings(df[column]) == name)


def _part(df, selector: str):
    """The spells (or parts of programme spells) of one state: begin, end, reason, and the row's columns."""
    import numpy as np

    kind, _, name = selector.partition(":")
    if not name and kind in ("programme", "waiting") and "waiting_start" in df.columns:
        name = "*"
    if not name:
        rows = df[df["state"] == kind].copy()
        rows["_from"], rows["_reason"] = rows["_begin"], rows["end_reason"]
        return rows
    if kind == "programme":
        _need(df, "programme", selector)
        rows = df[(df["state"] == "programme") & df["start"].notna() & _matching(df, "programme", name)].copy()
        rows["_from"], rows["_reason"] = rows["start"], rows["end_reason"]
        return rows
    if kind == "waiting":
        _need(df, "programme", selector)
        _need(df, "waiting_start", selector)
        rows = df[(df["state"] == "programme") & df["waiting_start"].notna() & _matching(df, "programme", name)].copy()
        admitted = rows["start"].notna().to_numpy()
        rows["_from"] = rows["waiting_start"]
        rows["end"] = np.where(admitted, rows["start"].to_numpy(float), rows["end"].to_numpy(float))
        rows["_reason"] = np.where(admitted, "admitted", rows["end_reason"].to_numpy(object))
        return rows
    if kind == "exit":
        _need(df, "exit_kind", selector)
        rows = df[(df["state"] == "exit") & _matching(df, "exit_kind", name)].copy()
        rows["_from"], rows["_reason"] = rows["_begin"], rows["end_reason"]
        return rows
    raise InputError(
        f"--state: expected a state such as case_management, programme:<name>, waiting:<name> or "
        f"exit:<kind>, found '{selector}'"
    )


def available_states(df) -> list[str]:
    """Every state the spells visit, programmes and exits split by name and kind."""
    out = []
    for state in sorted(set(df["state"]) - {"alongside", "prior_benefit"}):
        if state == "programme" and "programme" in df.columns and "waiting_start" in df.columns:
            progs = sorted(set(_strings(df.loc[df["state"] == "programme", "programme"])))
            out += [f"waiting:{p}" for p in progs] + [f"programme:{p}" for p in progs]
        elif state == "exit" and "exit_kind" in df.columns:
            out += [f"exit:{k}" for k in sorted(set(_strings(df.loc[df["state"] == "exit", "exit_kind"])))]
        else:
            out.append(state)
    return out


def risk_set(df, selector: str, time_scale: str, window_start: float):
    """Entry and exit in months on the time scale, and why the spell ended, for one (possibly pooled) state.

    `a+b` pools states a and b into one risk set (a hazard acting in both at one rate).
    """
    import numpy as np
    import pandas as pd

    parts = [_part(df, s) for s in selector.split("+")]
    rows = pd.concat(parts) if len(parts) > 1 else parts[0]
    if rows.empty:
        raise InputError(
            f"--state: no spells in state '{selector}'; the spells have states {', '.join(available_states(df))}"
        )
    begin = rows["_from"].to_numpy(float)
    end = rows["end"].to_numpy(float)
    origin = begin if time_scale == "state" else rows["_episode"].to_numpy(float)
    seen_from = np.maximum(begin, window_start)
    keep = end > seen_from
    rows = rows[keep].reset_index(drop=True)
    rows["entry"] = (seen_from[keep] - origin[keep]) / DAYS_PER_MONTH
    rows["exit"] = (end[keep] - origin[keep]) / DAYS_PER_MONTH
    return rows


# --- estimation ------------------------------------------------------------------------


def _groups(rows, by: list[str]):
    """(label, levels dict, rows) per attribute group; one group 'all' without --by."""
    if not by:
        yield ALL, {}, rows
        return
    keys = [_strings(rows[c]).to_numpy() for c in by]
    for values, g in rows.groupby(keys, sort=True, observed=True):
        values = values if isinstance(values, tuple) else (values,)
        levels = dict(zip(by, values))
        yield ",".join(f"{a}={v}" for a, v in levels.items()), levels, g


def default_causes(rows) -> list[str]:
    return sorted(set(rows["_reason"]) - set(FIXED_REASONS))


def estimate(
    df,
    states: list[str],
    causes: list[str] | None = None,
    by: list[str] | None = None,
    models: list[str] = ("exponential",),
    cuts: list[float] | None = None,
    time_scale: str = "state",
    window_start: float = 0.0,
    level: float = 0.95,
):
    """The estimates table: one row per state, cause, group, model and parameter.

    `df` is a spells table after `prepare`. Without `causes`, each state's own hazard end reasons.
    """
    import pandas as pd

    from .hazard_models import MODELS

    by = by or []
    out = []
    for selector in states:
        rows = risk_set(df, selector, time_scale, window_start)
        for cause in causes or default_causes(rows):
            for label, _, g in _groups(rows, by):
                event = (g["_reason"] == cause).to_numpy()
                entry, exit_ = g["entry"].to_numpy(float), g["exit"].to_numpy(float)
                for model in models:
                    extra = {"cuts": cuts} if model == "piecewise" else {}
                    for r in MODELS[model](entry, exit_, event, level=level, **extra):
                        out.append(
                            (
                                selector,
                                cause,
                                label,
                                model,
                                r.parameter,
                                r.estimate,
                                r.ci_low,
                                r.ci_high,
                                r.events,
                                r.exposure_months,
                                time_scale,
                            )
                        )
    return pd.DataFrame(out, columns=list(COLUMNS))


# --- the scenario fragment -------------------------------------------------------------


def _toml_value(v) -> str:
    """A TOML literal for a float, string, list or inline table (the values a hazard table holds)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        s = f"{float(v):.6g}"
        return s if any(ch in s for ch in ".e") else s + ".0"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise TypeError(f"no TOML form for {v!r}")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else json.dumps(k)


def _bands(pieces, overall: float) -> tuple[list[list[float]], list[str]]:
    """by_months_in_benefit bands from piece rates relative to the overall rate; pieces without exposure merge
    into the band before them (or, at month 0, take the first observed piece's multiplier)."""
    bands, notes = [], []
    for start, rate, exposure in pieces:
        if exposure <= 0:
            notes.append(f"no exposure from month {start:g}: the band before it continues")
            continue
        bands.append([start, rate / overall])
    if bands and bands[0][0] != 0:
        notes.append(f"no exposure before month {bands[0][0]:g}: its multiplier starts at month 0")
        bands[0][0] = 0.0
    return bands, notes


def _cut_start(parameter: str) -> float:
    return float(parameter.split("[", 1)[1].split(",", 1)[0])


def _fields(results, model: str, level: float) -> tuple[dict, list[str]]:
    """rate_per_month and by_months_in_benefit for one cause and group, with comment lines."""
    if model == "exponential":
        r = results.iloc[0]
        ci = f"{r.ci_low:.4g}-{r.ci_high:.4g}"
        return (
            {"rate_per_month": float(r.estimate), "by_months_in_benefit": []},
            [
                f"exponential: {r.events} events in {r.exposure_months:.1f} months, {100 * level:g} % interval "
                f"{ci} per month; constant rate, so any by_months_in_benefit bands are cleared"
            ],
        )
    events, exposure = int(results["events"].sum()), float(results["exposure_months"].sum())
    overall = events / exposure if exposure > 0 else 0.0
    notes = [f"piecewise: {events} events in {exposure:.1f} months; multipliers = piece rate / overall rate"]
    if overall == 0:
        return {"rate_per_month": 0.0, "by_months_in_benefit": []}, notes + ["no events: rate 0"]
    pieces = [(_cut_start(r.parameter), r.estimate, r.exposure_months) for r in results.itertuples()]
    bands, more = _bands(pieces, overall)
    return {"rate_per_month": overall, "by_months_in_benefit": bands}, notes + more


def _scale_note(model: str, time_scale: str, selector: str) -> str | None:
    if model != "piecewise":
        return None
    if time_scale == "benefit":
        return "bands by months since the start of the benefit episode, the scale the scenario applies them on"
    return (
        f"CAUTION: bands estimated on time since entering {selector}, not on months in the benefit episode "
        "that the scenario applies them on; the two agree only where the state starts the episode"
    )


def _table(name: str, fields: dict, comments: list[str]) -> list[str]:
    return (
        [f"# {c}" for c in comments]
        + [f"[hazards.{name}]"]
        + [f"{_key(k)} = {_toml_value(v)}" for k, v in fields.items()]
        + [""]
    )


def _group_name(cause: str, levels: dict, taken) -> str:
    name = cause + "".join("_" + re.sub(r"[^A-Za-z0-9_\-]", "_", str(v)) for v in levels.values())
    if name in taken:
        raise InputError(f"--fragment: the hazard name '{name}' for group {levels} is already taken in the scenario")
    return name


def _split(cause: str, selector: str, src: dict | None, by: list[str], scenario_attrs: dict) -> tuple[dict, list[str]]:
    """How a hazard estimated by group is rewritten: the source hazard without the state, as changed fields."""
    if src is None:
        raise InputError(
            "--fragment with --by: group-specific hazards copy `in`, `to` and `when` from the source "
            "scenario; give --scenario (or keep manifest.json next to the spells)"
        )
    unknown = [a for a in by if a not in scenario_attrs]
    if unknown:
        raise InputError(
            f"--fragment with --by: expected attributes of the scenario {sorted(scenario_attrs)}, found {unknown}"
        )
    parts = selector.split("+")
    missing = [p for p in parts if p not in src["in"]]
    if missing:
        raise InputError(
            f"--fragment: hazard '{cause}' has in = {src['in']}, which does not list {missing} on its "
            "own, so it cannot be split by group there; estimate on the states it lists"
        )
    rest = [p for p in src["in"] if p not in parts]
    if rest:
        return {"in": rest}, [f"{cause} keeps acting in {rest}; in {parts} the group hazards below replace it"]
    return {"rate_per_month": 0.0}, [f"{cause} is replaced by the group hazards below (switched off here)"]


def fragment(
    results,
    model: str,
    source: dict | None,
    by: list[str] | None = None,
    spells_name: str = "",
    extends: str | None = None,
    level: float = 0.95,
    note: str | None = None,
) -> str:
    """A scenario fragment (TOML) setting the estimated hazards, from the rows of one model.

    Without groups it sets `[hazards.<cause>]` rate_per_month and by_months_in_benefit; with --by
    it adds one hazard per group (`when` = the group) and takes the estimated states out of the
    source hazard. Only fields of the scenario schema are written. `note` (what --drop-invalid
    left out) becomes a comment under the first line.
    """
    lines = [
        f"# Hazards estimated from {spells_name or 'spells'} (cause-specific, competing risks, "
        f"maximum likelihood; rates per month of 30.4375 days)."
    ]
    lines += [f"# {note}"] if note else []
    lines += [f"extends = {_toml_value(extends)}", ""] if extends else [""]
    taken = set((source or {}).get("hazards", {}))
    for cause, per_cause in results[results["model"] == model].groupby("cause", sort=True):
        lines += _cause_lines(cause, per_cause, model, source, by or [], level, taken)
    return "\n".join(lines).rstrip() + "\n"


def _cause_lines(
    cause: str, rows, model: str, source: dict | None, by: list[str], level: float, taken: set
) -> list[str]:
    """The fragment's tables for one cause: its own, and with --by one per group."""
    selectors = sorted(set(rows["state"]))
    if len(selectors) > 1:
        raise InputError(
            f"--fragment: hazard '{cause}' was estimated in several states ({', '.join(selectors)}); "
            "choose one with --state (join states with + to pool them into one rate)"
        )
    hazards = (source or {}).get("hazards", {})
    if source is not None and cause not in hazards:
        return [f"# {cause}: not a hazard of the source scenario, left out", ""]
    if not NAME.match(cause):
        return [f"# {cause}: not a valid hazard name, left out", ""]
    selector, src = selectors[0], hazards.get(cause)
    notes = _notes(selector, rows["time_scale"].iloc[0], model, src, by)
    groups = list(rows.groupby("group", sort=True))
    if not by:
        fields, more = _fields(groups[0][1], model, level)
        return _table(cause, fields, [f"{cause}: " + notes[0]] + notes[1:] + more)
    changed, more = _split(cause, selector, src, by, (source or {}).get("attributes", {}))
    lines = _table(cause, changed, [f"{cause}: by {', '.join(by)}; " + notes[0]] + notes[1:] + more)
    for label, g in groups:
        levels = dict(x.split("=", 1) for x in label.split(","))
        name = _group_name(cause, levels, taken)
        taken.add(name)
        fields, gnotes = _fields(g, model, level)
        table = {"in": selector.split("+"), "to": src["to"], "when": {**src.get("when", {}), **levels}}
        table.update({k: src[k] for k in ("after_in_state", "set") if k in src})
        table.update(fields)
        lines += _table(name, table, [f"{cause} for {label}"] + gnotes)
    return lines


def _notes(selector: str, time_scale: str, model: str, src: dict | None, by: list[str]) -> list[str]:
    """Comment lines: where the rate comes from and what to keep in mind when using it."""
    notes = [f"estimated from spells in {selector}"]
    scale = _scale_note(model, time_scale, selector)
    notes += [scale] if scale else []
    if src is not None and sorted(src.get("in", [])) != sorted(selector.split("+")) and not by:
        notes.append(f"the scenario applies this hazard in {src.get('in')}: the rate now holds in all of them")
    if src is not None and src.get("after_in_state"):
        notes.append(
            "the hazard acts only after `after_in_state`; exposure here counts from entering the state, "
            "so the rate is diluted by the time before it acts"
        )
    return notes


def check_fragment(text: str, source: dict, source_name: str) -> None:
    """Merge the fragment into its source scenario and validate the result (raises ScenarioError)."""
    import tomllib

    from simulation.scenario.loader import merge, validate

    data = tomllib.loads(text)
    data.pop("extends", None)
    validate(merge(source, data), f"{source_name} with the estimated hazards")


def source_scenario(scenario: str | None, spells: Path) -> tuple[dict | None, str]:
    """The scenario the spells came from: --scenario, else the manifest.json `jobpath run` writes beside them."""
    if scenario:
        from simulation.scenario.loader import read_toml

        return read_toml(Path(scenario).resolve()), scenario
    manifest = spells.parent / "manifest.json"
    if manifest.is_file():
        try:
            meta = json.loads(manifest.read_text())
        except (OSError, json.JSONDecodeError):
            return None, ""
        if isinstance(meta.get("scenario"), dict):
            return meta["scenario"], str(manifest)
    return None, ""


# --- command line ----------------------------------------------------------------------


def register(subparsers) -> None:
    """Add `jobpath estimate` to the CLI."""
    p = subparsers.add_parser(
        "estimate",
        help="estimate transition hazards from spell data (competing risks, "
        "maximum likelihood) and write a scenario fragment",
    )
    p.add_argument(
        "spells",
        help="spells table (.parquet as `jobpath run` writes it, or .csv) with person_id, state, "
        "start, end, end_reason",
    )
    p.add_argument(
        "--state",
        default=None,
        help="states, comma separated, e.g. case_management,waiting:course,"
        "programme:*,exit:employment; join with + to pool (a+b); default: every state separately",
    )
    p.add_argument(
        "--causes",
        default=None,
        help="end reasons (hazard names) to estimate, comma separated; default: "
        "each state's end reasons except " + ", ".join(FIXED_REASONS),
    )
    p.add_argument(
        "--by", default=None, help="attribute columns to estimate by, comma separated (e.g. sex,german_level)"
    )
    p.add_argument(
        "--models",
        default=None,
        help="comma separated from exponential, weibull, piecewise "
        "(default exponential,weibull, and piecewise with --cuts)",
    )
    p.add_argument("--cuts", default=None, help="piecewise cut points in months starting at 0, e.g. 0,6,12,24")
    p.add_argument(
        "--time-scale",
        default="state",
        choices=TIME_SCALES,
        help="time since entering the state "
        "(default), or months in the benefit episode (the scale of by_months_in_benefit)",
    )
    p.add_argument(
        "--window-start",
        type=float,
        default=0.0,
        help="day from which spells are observed (default 0, the scenario start); earlier time is left-truncated",
    )
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--out", default=None, help="write the estimates to this .csv or .parquet file")
    p.add_argument("--fragment", default=None, help="write a scenario fragment (TOML) with the estimated hazards")
    p.add_argument(
        "--fragment-model",
        default=None,
        choices=("exponential", "piecewise"),
        help="model for the fragment (default piecewise with --cuts, else exponential)",
    )
    p.add_argument(
        "--scenario",
        default=None,
        help="source scenario, to validate the fragment merged into it "
        "(default: manifest.json beside the spells); the fragment then extends it",
    )
    p.add_argument(
        "--drop-invalid",
        action="store_true",
        help="leave out spells with unusable times (NaN, "
        "infinite, ending before they start) instead of refusing the file; the output says how many",
    )
    p.add_argument("--quiet", action="store_true", help="do not print the estimates")
    p.set_defaults(func=run)


def _list(value: str | None) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()] if value else []


def _options(args) -> dict:
    """Checked options: models, cuts, level, output suffix."""
    cuts = None
    if args.cuts:
        try:
            cuts = [float(x) for x in _list(args.cuts)]
        except ValueError:
            raise InputError(
                f"--cuts: expected months separated by commas such as 0,6,12,24, found '{args.cuts}'"
            ) from None
        if not cuts or cuts[0] != 0 or any(b <= a for a, b in zip(cuts, cuts[1:])):
            raise InputError(f"--cuts: expected increasing months starting at 0, found '{args.cuts}'")
    models = _list(args.models) or (["exponential", "weibull"] + (["piecewise"] if cuts else []))
    bad = [m for m in models if m not in MODEL_NAMES]
    if bad:
        raise InputError(f"--models: expected some of {', '.join(MODEL_NAMES)}, found {bad}")
    if "piecewise" in models and not cuts:
        raise InputError("--models piecewise: expected --cuts (e.g. 0,6,12,24), found none")
    if not 0 < args.level < 1:
        raise InputError(f"--level: expected a probability in (0, 1) such as 0.95, found {args.level}")
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--out: expected a file ending in .csv or .parquet, found '{args.out}'")
    fragment_model = args.fragment_model or ("piecewise" if cuts else "exponential")
    if args.fragment and fragment_model not in models:
        models.append(fragment_model)
    if fragment_model == "piecewise" and args.fragment and not cuts:
        raise InputError("--fragment-model piecewise: expected --cuts, found none")
    return {"cuts": cuts, "models": models, "fragment_model": fragment_model}


def _check_names(df, by: list[str], causes: list[str], path: str) -> None:
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise InputError(f"--by: expected columns of {path}, missing {missing} (found {list(df.columns)})")
    absent = [c for c in causes if c not in set(df["end_reason"]) | {"admitted"}]
    if absent:
        raise InputError(
            f"--causes: expected end reasons found in {path}, not found {absent} "
            f"(found {sorted(set(df['end_reason']))})"
        )


def _print(table) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(table.drop(columns="time_scale").to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"time scale: {table['time_scale'].iloc[0]}; rates per month (30.4375 days), {len(table)} rows")


def run(args) -> int:
    """The `estimate` command; user errors print a message and return 2."""
    from simulation.errors import ScenarioError

    try:
        return _run(args)
    except InputError as e:
        print(f"jobpath estimate: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as e:
        print(e, file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args) -> int:
    opts = _options(args)
    spells = Path(args.spells)
    raw = read_spells(spells, args.drop_invalid)
    dropped = raw.attrs.get("dropped")
    if dropped is not None:
        print(f"jobpath estimate: {dropped}", file=sys.stderr)
    df = prepare(raw)
    by, causes = _list(args.by), _list(args.causes)
    _check_names(df, by, causes, str(spells))
    states = _list(args.state) or available_states(df)
    table = estimate(
        df, states, causes or None, by, opts["models"], opts["cuts"], args.time_scale, args.window_start, args.level
    )
    if table.empty:
        raise InputError(f"no hazard end reasons in the states {states}; name them with --causes")
    text = None
    if args.fragment:
        source, source_name = source_scenario(args.scenario, spells)
        extends = None
        if args.scenario:
            import os

            extends = os.path.relpath(Path(args.scenario).resolve(), Path(args.fragment).resolve().parent)
        text = fragment(
            table,
            opts["fragment_model"],
            source,
            by,
            str(spells),
            extends,
            args.level,
            str(dropped) if dropped is not None else None,
        )
        if source is not None:
            check_fragment(text, source, source_name)
        else:
            print(
                "jobpath estimate: fragment not validated (no --scenario and no manifest.json beside the spells)",
                file=sys.stderr,
            )
    _write(
        table if dropped is None else table.assign(dropped_spells=dropped.count, dropped_why=str(dropped)),
        args.out,
        text,
        args.fragment,
    )
    if not args.quiet:
        _print(table)
        for what, path in (("estimates", args.out), ("scenario fragment", args.fragment)):
            if path:
                print(f"{what} written to {path}")
    return 0


def _write(table, out: str | None, text: str | None, fragment_path: str | None) -> None:
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        (table.to_csv(out, index=False) if out.lower().endswith(".csv") else table.to_parquet(out, index=False))
    if text is not None and fragment_path:
        Path(fragment_path).parent.mkdir(parents=True, exist_ok=True)
        Path(fragment_path).write_text(text, encoding="utf-8")
