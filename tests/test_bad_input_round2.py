"""Bad input, second round: damaged spell data for `jobpath estimate`, deeply nested uploads in the app,
`time.start` out of range, and what the memory refusal says.

Each refusal names the file and the field (or column and rows) and what was expected; the
estimate with `--drop-invalid` is the estimate of the clean data without the damaged spells.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibration import estimate as est
from simulation import capacity
from simulation.app import variant as V
from simulation.cli import main
from simulation.engine.model import simulate
from simulation.errors import ScenarioError
from simulation.scenario import load_scenario
from simulation.scenario.loader import read_toml, validate

SCENARIOS = Path(__file__).parent / "scenarios"
TINY = SCENARIOS / "tiny.toml"
MAX_STDERR = 4000


def refused(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and len(err.encode()) < MAX_STDERR, err[:2000]
    for f in fragments:
        assert f in err, f"{f!r} not in {err!r}"


# --- (4) spell data with unusable times ----------------------------------------------------


@pytest.fixture(scope="module")
def clean():
    """Spells of tiny.toml (programmes with waits, never-admitted waiters, alongside spells, the stock)."""
    spells = simulate(load_scenario(TINY).scenario, 3, 1).spells
    assert ((spells["state"] == "programme") & spells["start"].isna()).any()  # waited, never admitted
    assert (spells["end"] < 0).any()  # prior spells end before day 0
    return spells


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("spells")


def write(df, path: Path) -> Path:
    (df.to_csv(path, index=False) if path.suffix == ".csv" else df.to_parquet(path, index=False))
    return path


def estimates(path: Path, out: Path, *extra: str) -> tuple[int, pd.DataFrame | None]:
    code = main(["estimate", str(path), "--models", "exponential", "--out", str(out), "--quiet", *extra])
    return code, (pd.read_csv(out) if code == 0 else None)


def eligible(df, column: str, value) -> np.ndarray:
    """Rows where `value` in `column` makes the spell unusable: infinities anywhere; a missing value where the
    spells table never leaves one (a programme spell never admitted has no start, other states no waiting_start)."""
    if value is not None and np.isinf(value):
        return np.arange(len(df))
    state = df["state"].astype(str).to_numpy()
    if column == "start":
        return np.flatnonzero(state != "programme")
    if column == "waiting_start":
        return np.flatnonzero(np.isin(state, ["programme", "alongside"]))
    return np.arange(len(df))


def test_clean_spells_are_accepted_as_they_are(clean, folder, capsys):
    """Negative days and never-admitted waiters are no damage: nothing refused, and nothing dropped."""
    path = write(clean, folder / "clean.parquet")
    code, table = estimates(path, folder / "clean.csv")
    assert code == 0 and list(table.columns) == list(est.COLUMNS)
    code, table = estimates(path, folder / "clean_drop.csv", "--drop-invalid")
    assert code == 0 and "no spells dropped" in capsys.readouterr().err
    assert set(table["dropped_spells"]) == {0}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_times_are_refused_with_column_and_rows_or_dropped(clean, folder, capsys, data):
    column = data.draw(st.sampled_from(["start", "end", "waiting_start"]), label="column")
    value = data.draw(st.sampled_from([np.nan, np.inf, -np.inf, None]), label="value")
    suffix = data.draw(st.sampled_from([".parquet", ".csv"]), label="format")
    scale = data.draw(st.sampled_from(["state", "benefit"]), label="time scale")
    pool = eligible(clean, column, value)
    rows = sorted(data.draw(st.sets(st.sampled_from(list(pool)), min_size=1, max_size=8), label="rows"))
    bad = clean.copy()
    if value is None:
        bad[column] = bad[column].astype(object)
    bad.loc[bad.index[rows], column] = value
    path = write(bad, folder / f"damaged{suffix}")
    capsys.readouterr()

    code = main(["estimate", str(path), "--models", "exponential", "--quiet"])
    err = capsys.readouterr().err
    n = len(rows)
    refused(
        code,
        err,
        str(path),
        f"column '{column}'",
        f"found {n} spell{'s' * (n != 1)} with",
        f"{n} of {len(clean):,} spells",
        "--drop-invalid",
    )
    shown = ", ".join(str(r + 1) for r in rows[: est.ROWS_SHOWN])
    assert f"({'rows' if n > 1 else 'row'} {shown}" in err, err
    kind = "NaN" if value is None or np.isnan(value) else ("+inf" if value > 0 else "-inf")
    assert f"with {kind}" in err

    code, table = estimates(path, folder / "dropped.csv", "--drop-invalid", "--time-scale", scale)
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"dropped {n} of {len(clean):,} spells" in err and f"'{column}' {kind}: {n}" in err
    assert set(table["dropped_spells"]) == {n}
    without = write(clean.drop(index=clean.index[rows]), folder / f"without{suffix}")
    code, expected = estimates(without, folder / "without.csv", "--time-scale", scale)
    assert code == 0
    pd.testing.assert_frame_equal(table[list(est.COLUMNS)], expected)


@pytest.mark.parametrize(
    "later, earlier, state",
    [
        ("end", "start", "case_management"),
        ("end", "waiting_start", "programme"),
        ("start", "waiting_start", "programme"),
    ],
)
def test_a_spell_ending_before_it_starts_is_refused(clean, folder, capsys, later, earlier, state):
    bad = clean.copy()
    rows = np.flatnonzero((bad["state"] == state).to_numpy() & bad["start"].notna().to_numpy())[:3]
    bad.loc[bad.index[rows], later] = bad.loc[bad.index[rows], earlier] - 5.0
    if later == "start":  # admitted before joining the list, still ending after the admission
        bad.loc[bad.index[rows], "end"] = bad.loc[bad.index[rows], "waiting_start"] + 1.0
    path = write(bad, folder / "order.parquet")
    code = main(["estimate", str(path), "--quiet"])
    err = capsys.readouterr().err
    refused(
        code,
        err,
        "order.parquet",
        f"column '{later}'",
        f"no earlier than the {earlier}",
        f"with {later} before {earlier}",
        "rows " + ", ".join(str(r + 1) for r in rows),
    )


def test_a_word_in_a_time_column_is_refused_not_a_traceback(clean, folder, capsys):
    bad = clean.copy()
    bad["end"] = bad["end"].astype(object)
    bad.loc[bad.index[[7, 9]], "end"] = "soon"
    path = write(bad, folder / "word.csv")
    code = main(["estimate", str(path), "--quiet"])
    refused(
        code,
        capsys.readouterr().err,
        "word.csv",
        "column 'end'",
        "found 2 spells with text that is no number (rows 8, 10)",
    )


def test_many_damaged_rows_show_a_few_and_the_count(clean, folder, capsys):
    bad = clean.copy()
    bad.loc[bad.index[::10], "end"] = np.nan
    path = write(bad, folder / "many.parquet")
    code = main(["estimate", str(path), "--quiet"])
    err = capsys.readouterr().err
    n = len(bad.index[::10])
    refused(code, err, f"found {n} spells with NaN", "(rows 1, 11, 21, 31, 41, ...)")


def test_dropped_spells_are_named_in_the_table_and_the_fragment(clean, folder, capsys):
    bad = clean.copy()
    rows = np.flatnonzero((bad["state"] == "case_management").to_numpy())[:4]
    bad.loc[bad.index[rows], "end"] = np.inf
    path = write(bad, folder / "frag.parquet")
    frag, out = folder / "frag.toml", folder / "frag.csv"
    code = main(
        [
            "estimate",
            str(path),
            "--state",
            "case_management",
            "--drop-invalid",
            "--out",
            str(out),
            "--fragment",
            str(frag),
            "--scenario",
            str(TINY),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    note = f"--drop-invalid: dropped 4 of {len(clean):,} spells with unusable times ('end' +inf: 4)"
    assert note in captured.err
    assert frag.read_text().splitlines()[1] == f"# {note}"
    table = pd.read_csv(out)
    assert set(table["dropped_spells"]) == {4} and set(table["dropped_why"]) == {note}


# --- (5) the app's upload reader: nesting too deep -------------------------------------------

DEEP = 5000
NESTED = {
    "arrays": "a = " + "[" * DEEP + "]" * DEEP,
    "inline tables": "a = " + "{ b = " * DEEP + "1" + " }" * DEEP,
    "arrays of inline tables": "a = " + "[{ b = " * DEEP + "1" + " }]" * DEEP,
    "arrays in a scenario": TINY.read_text() + "\n[extra]\nx = " + "[" * DEEP + "]" * DEEP + "\n",
    "inline tables in a variant": 'extends = "tiny.toml"\npopulation = ' + "{ b = " * DEEP + "1" + " }" * DEEP,
}


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_upload_is_refused_like_the_cli_does(text, tmp_path, capsys):
    with pytest.raises(ScenarioError) as info:
        V.load_upload(text.encode(), "deep.toml", SCENARIOS)
    err = info.value
    assert err.file == "deep.toml"
    assert err.problems == [("", "expected a TOML file, found tables or arrays nested too deep in 'deep.toml'")]
    from simulation.app.messages import german

    assert german(err.problems[0][1]) is not None  # said in German in the German page
    f = tmp_path / "deep.toml"
    f.write_text(text)
    if "extends" in text:
        f.write_text(text.replace('"tiny.toml"', f'"{TINY}"'))
    refused(main(["validate", str(f)]), capsys.readouterr().err, "deep.toml", "nested too deep")


@pytest.mark.parametrize("field", ["population.initial.size", "time.years", "time.start", "attributes.sex"])
def test_deep_tables_where_a_value_belongs_name_the_field(field, tmp_path, capsys):
    """Dotted keys nest without recursion in the reader; the value found is then too deep to print."""
    text = f'extends = "tiny.toml"\n{field}' + ".b" * DEEP + " = 1\n"
    with pytest.raises(ScenarioError) as info:
        V.load_upload(text.encode(), "deep.toml", SCENARIOS)
    assert [p for p, _ in info.value.problems] == [field]
    assert "nested too deep" in info.value.problems[0][1]
    f = tmp_path / "deep.toml"
    f.write_text(text.replace('"tiny.toml"', f'"{TINY}"'))
    refused(main(["validate", str(f)]), capsys.readouterr().err, "deep.toml", field, "nested too deep")


def test_an_upload_as_deep_as_the_scenario_it_extends_is_refused(tmp_path):
    """Two deep tables merged key by key: the merge itself is too deep."""
    (tmp_path / "base.toml").write_text("x" + ".b" * DEEP + " = 1\n" + TINY.read_text())
    text = 'extends = "base.toml"\nx' + ".b" * DEEP + " = 2\n"
    with pytest.raises(ScenarioError) as info:
        V.load_upload(text.encode(), "deep.toml", tmp_path)
    assert info.value.file == "deep.toml" and "nested too deep" in str(info.value)


def test_an_ordinary_upload_still_loads():
    got = V.load_upload(b'extends = "tiny.toml"\nname = "x"\n', "mine.toml", SCENARIOS)
    assert got["name"] == "x"


# --- (7a) time.start out of range --------------------------------------------------------------


@pytest.mark.parametrize(
    "start, words",
    [
        (dt.date(1, 1, 1), ("years 1900 to 2200", "0001-01-01")),
        (dt.date(9999, 12, 1), ("years 1900 to 2200", "9999-12-01")),
        (dt.date(1899, 12, 1), ("years 1900 to 2200", "1899-12-01")),
        (dt.date(2201, 1, 1), ("years 1900 to 2200", "2201-01-01")),
        (dt.date(2024, 1, 15), ("first day of a month", "2024-01-15")),
        ("0000-01-01", ("a date such as 2024-01-01", "0000-01-01")),
        (dt.datetime(2024, 1, 1, 10, 0), ("valid date", "2024-01-01T10:00:00")),
    ],
)
def test_time_start_out_of_range_is_reported_at_time_start(start, words):
    data = read_toml(TINY.resolve())
    data["time"] = {**data["time"], "start": start}
    with pytest.raises(ScenarioError) as info:
        validate(data, "t.toml")
    problems = info.value.problems
    assert [p for p, _ in problems] == ["time.start"], problems
    assert all(w in problems[0][1] for w in words), problems


@pytest.mark.parametrize("start", ["0001-01-01", "9999-01-01"])
def test_time_start_out_of_range_names_the_field_on_the_command_line_and_in_the_app(start, tmp_path, capsys):
    text = f'extends = "{TINY}"\n[time]\nstart = {start}\n'
    f = tmp_path / "start.toml"
    f.write_text(text)
    refused(
        main(["validate", str(f)]),
        capsys.readouterr().err,
        "start.toml",
        "time.start: expected start in the years 1900 to 2200",
        start,
    )
    with pytest.raises(ScenarioError) as info:
        V.load_upload(text.replace(str(TINY), "tiny.toml").encode(), "start.toml", SCENARIOS)
    assert info.value.problems[0][0] == "time.start"


def test_the_last_start_allowed_runs_its_longest_horizon(tmp_path, capsys):
    """2200-12-01 plus 50 years: every date the engine and the indicators compute stays representable."""
    f = tmp_path / "late.toml"
    f.write_text(f'extends = "{TINY}"\n[time]\nstart = 2200-12-01\nyears = 50\n[population.inflow]\nper_month = 1\n')
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out)]) == 0, capsys.readouterr().err
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert len(monthly) == 600 and monthly.iloc[-1].astype(str).str.contains("2250-11").any()


# --- (7b) the memory refusal -----------------------------------------------------------------


def big(tmp_path: Path) -> Path:
    f = tmp_path / "big.toml"
    f.write_text(f'extends = "{TINY}"\n[population.initial]\nsize = 2000\n[population.inflow]\nper_month = 300\n')
    return f


def test_memory_refusal_names_the_fields_and_suggests_fewer_years_before_force(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(capacity, "available_bytes", lambda: 400 * 2**20)
    f = big(tmp_path)
    code = main(["run", str(f), "--years", "20", "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    refused(
        code,
        err,
        "big.toml",
        "fits in memory",
        "population.initial.size = 2,000",
        "population.inflow.per_month = 300 a month (72,000 customers)",
        "over 20 years (--years, else time.years)",
        "fewer years (--years",
        "a smaller population",
        "--force",
    )
    assert err.index("fewer years") < err.index("a smaller population") < err.index("--force")
    assert "only if the estimate is too cautious" in err
    years = float(re.search(r"--years (\S+) fits", err).group(1))
    s = load_scenario(f).scenario
    assert 1 <= years < 20 and capacity.too_big(s, years) is None and capacity.too_big(s, years + 1) is not None
    fit = float(re.search(r"about ([\d,]+) customers fit", err).group(1).replace(",", ""))
    assert capacity.BASE_BYTES + capacity.BYTES_PER_CUSTOMER_YEAR * fit * 20 == pytest.approx(400 * 2**20, rel=1e-3)
    assert not (tmp_path / "out").exists()


def test_memory_refusal_with_workers_suggests_fewer_workers_first(monkeypatch):
    s = load_scenario(TINY).scenario
    one = capacity.estimate_bytes(s, 2)
    monkeypatch.setattr(capacity, "available_bytes", lambda: 2.5 * one)
    why = capacity.too_big(s, 2, processes=8)
    assert "times 8 replications at once (--workers)" in why
    assert "to make it fit, use fewer workers (--workers 2 fits)" in why
    assert why.index("--workers 2") < why.index("--force") and capacity.too_big(s, 2, 2) is None
    assert "--no-spells" not in why  # it keeps the spells off the disk, not out of memory


def test_memory_refusal_when_one_replication_alone_does_not_fit(monkeypatch):
    s = load_scenario(TINY).scenario
    monkeypatch.setattr(capacity, "available_bytes", lambda: capacity.BASE_BYTES + 2_000 * 600)
    why = capacity.too_big(s, 2, processes=4)
    assert "--workers 1 and fewer years" in why and "fewer workers (" not in why
    monkeypatch.setattr(capacity, "available_bytes", lambda: 100 * 2**20)  # less than the engine itself
    why = capacity.too_big(s, 2)
    assert "a machine with more memory" in why and "fewer years" not in why and why.endswith("--force to run anyway")


def test_memory_refusal_names_waves(monkeypatch):
    data = read_toml(TINY.resolve())
    data["population"]["waves"] = {
        "refugees": {
            "start": dt.date(2024, 3, 1),
            "end": dt.date(2024, 9, 1),
            "per_month": 5000,
            "segments": {"refugee": 1.0},
        }
    }
    s = validate(data, "waves.toml")
    monkeypatch.setattr(capacity, "available_bytes", lambda: 300 * 2**20)
    why = capacity.too_big(s, 2)
    assert why is not None and "population.waves.refugees.per_month = 5,000 a month" in why
    assert "most come from population.waves.refugees.per_month" in why
