"""Bad input, as a careless user gives it, never destroys data, never hangs, never shows a traceback.

Every case exits with code 2 and a short message naming the file, the field and what was
expected; nothing is written, and an existing good output folder stays as it was. Scenarios
that once made a run spin for ever are refused by validation, within a timeout.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = Path(__file__).parent / "scenarios"
BAD = SCENARIOS / "bad"
TINY = SCENARIOS / "tiny.toml"
MAX_STDERR = 4000  # bytes: a message, not a dump


@dataclass(frozen=True)
class Case:
    file: str  # in tests/scenarios/bad/
    path: str  # a field the problem must be reported at
    words: tuple  # what was expected and what was found
    hung: bool = False  # a run of it once spun for ever (tested in a subprocess with a timeout)


CASES = [
    Case("per_month_inf.toml", "population.inflow.per_month", ("finite", "inf"), hung=True),
    Case("rate_huge_bounce.toml", "hazards.away.rate_per_month", ("at most 100 per month", "1e+308"), hung=True),
    Case("rate_too_high.toml", "hazards.contact_loss.rate_per_month", ("at most 100 per month", "5000")),
    Case("multiplier_too_high.toml", "hazards.integration.by_months_in_benefit", ("at most 100", "1e+06")),
    Case(
        "patience_zero_renege_self.toml",
        "programmes.coaching.waiting_list.patience",
        ("time to pass", "waiting:coaching -> waiting:coaching"),
        hung=True,
    ),
    Case("zero_gap_loop.toml", "routes.zero", ("time to pass", "programme:zero -> waiting:zero"), hung=True),
    Case("tiny_loop.toml", "routes.blink", ("time to pass", "programme:blink")),
    Case(
        "start_every_tiny.toml", "programmes.course.cohorts.start_every.value", ("at least 1 day", "1e-09"), hung=True
    ),
    Case("start_every_zero.toml", "programmes.course.cohorts.start_every.value", ("at least 1 day", "found 0")),
    Case(
        "size_beyond_64bit.toml",
        "population.initial.size",
        ("less than or equal to 100000000", "123456789012345678901234567890"),
        hung=True,
    ),
    Case("size_too_big.toml", "population.initial.size", ("less than or equal to 100000000", "2000000000")),
    Case("places_too_big.toml", "programmes.course.places", ("less than or equal to", "1000000000000")),
    Case("class_size_huge.toml", "programmes.course.cohorts.class_size", ("less than or equal to", "1000000000000")),
    Case(
        "undeclared_attr_empty_list.toml",
        "programmes.course.eligible.nationality",
        ("declared attributes", "found 'nationality'"),
    ),
    Case("gamma_mean_huge.toml", "programmes.course.duration.mean", ("at most 100 years", "1e+308")),
    Case("lognormal_mean_huge.toml", "programmes.outreach.duration.mean", ("at most 100 years", "1e+308")),
    Case("gamma_sd_tiny.toml", "programmes.course.duration.sd", ("times the mean", "1e-300")),
    Case("weibull_shape_tiny.toml", "programmes.outreach.duration.shape", ("shape between 0.1 and 100", "0.001")),
    Case("empirical_value_huge.toml", "programmes.outreach.duration.values", ("at most 100 years", "1e+12")),
    Case("start_9999.toml", "time.start", ("years 1900 to 2200", "9999-01-01")),
    Case("places_zero_only_exit.toml", "routes/hazards", ("no exit", "waiting:job")),
    Case("elapsed_high_inf.toml", "population.initial.programmes.course.elapsed.high", ("finite", "inf")),
    Case("mean_inf.toml", "programmes.outreach.duration.mean", ("finite", "inf")),
    Case("weight_inf.toml", "programmes.outreach.duration.weights[1]", ("finite", "inf")),
    Case("multiplier_inf.toml", "hazards.integration.by_months_in_benefit[0][1]", ("finite", "inf")),
    Case("rate_nan.toml", "hazards.contact_loss.rate_per_month", ("finite", "nan")),
    Case("cost_inf.toml", "programmes.course.cost_per_month", ("finite", "inf")),
    Case("factor_huge.toml", "population.inflow.monthly_factors[11]", ("less than or equal to 100", "1000000000")),
    Case("after_in_state_huge.toml", "hazards.outreach_referral.after_in_state.value", ("at most 100 years", "1e+09")),
    Case("shares_just_off.toml", "population.common.sex", ("must sum to 1", "found 1.000002")),
    Case("extends_passwd.toml", "extends", ("ending in .toml", "/etc/passwd")),
    Case("staffing_unknown_hazard.toml", "staffing.cm.hazards[0]", ("defined hazard", "found 'integraton'")),
    Case("years_as_text.toml", "time.years", ("valid number", "found '2'", "without quotes")),
    Case("places_as_text.toml", "programmes.course.places", ("valid integer", "found '30'", "without quotes")),
    Case("pool_unknown_programme.toml", "pools.measures.programmes[1]", ("defined programme", "found 'agh'")),
    Case("pool_programme_twice.toml", "pools.courses.programmes[1]", ("one pool at most", "pools.measures")),
    Case("pool_cohorts.toml", "pools.courses.programmes[0]", ("not supported", "found 'course' with cohorts")),
    Case("pool_neither.toml", "pools.measures", ("places or waiting_list", "found neither")),
    Case(
        "pool_priority_each.toml",
        "pools.measures.priority",
        ('only with waiting_list = "shared"', 'waiting_list = "each"'),
    ),
    Case("pool_unknown_key.toml", "pools.measures.seats", ("unknown key",)),
    Case("pool_one_member.toml", "pools.measures.programmes", ("at least 2", "found ['coaching']")),
    Case(
        "pool_member_priority_shared.toml",
        "pools.measures.programmes[0]",
        ("own waiting_list.priority", "found 'coaching'"),
    ),
    Case("exhausted_to_exit.toml", "budgets.b.when_exhausted", ("does not end benefit receipt", "'exit:other'")),
    Case("entry_to_exit.toml", "routes.entry[0].options[0].to", ("newcomer starts in benefit receipt", "'exit:other'")),
    Case("min_above_max.toml", "programmes.course.eligible.german_level", ("none does", "min = 'B1', max = 'A1'")),
    # durations by condition: each rule's `when` and distribution are checked like any other
    Case("duration_rules_no_default.toml", "programmes.course.duration[1].when", ("last rule must have no 'when'",)),
    Case(
        "duration_rules_unknown_attribute.toml",
        "programmes.course.duration[0].when.nationality",
        ("declared attributes", "found 'nationality'"),
    ),
    Case(
        "duration_rules_unknown_level.toml",
        "programmes.course.duration[0].when.german_level",
        ("a level of 'german_level'", "found 'A9'"),
    ),
    Case(
        "duration_rules_bad_distribution.toml",
        "programmes.course.duration[1].duration.sd",
        ("times the mean", "1e-300"),
    ),
    Case(
        "duration_rules_unknown_kind.toml",
        "programmes.course.duration[0].duration.dist",
        ("expected one of 'fixed'", "found 'normal'"),
    ),
    Case(
        "duration_rules_huge_mean.toml", "programmes.course.duration[0].duration.mean", ("at most 100 years", "1e+308")
    ),
    Case("duration_rules_instant_loop.toml", "routes.blink", ("time to pass", "programme:blink -> waiting:blink")),
    # bounds on the values that reach the engine: each step, and every factor acting on a rate at once
    Case("step_places_huge.toml", "programmes.course.places[1].value", ("at most 1e+08 places", "1e+300"), hung=True),
    Case("step_quota_huge.toml", "programmes.coaching.entries_per_year[0].value", ("at most 1e+08", "1e+12")),
    Case("step_pool_places_huge.toml", "pools.kurse.places[1].value", ("at most 1e+08 places", "1e+200")),
    Case("step_inflow_huge.toml", "population.inflow.per_month[1].value", ("at most 1e+06 people", "1e+09"), hung=True),
    Case("inflow_peak_huge.toml", "population.inflow.monthly_factors", ("at the peak", "1e+07"), hung=True),
    Case(
        "calendar_factor_huge.toml",
        "hazards.integration.calendar",
        ("at most 100 per month", "1e+06", "30000"),
        hung=True,
    ),
    Case("labour_market_factor_huge.toml", "labour_market.factor", ("hazard 'other_exit'", "15000"), hung=True),
    Case(
        "factors_product_huge.toml",
        "hazards.referral_coaching.calendar",
        ("hazards.referral_coaching.calendar x labour_market.factor", "= 200"),
    ),
    Case("staffing_max_factor_product.toml", "staffing.regular.max_factor", ("60 x 2", "= 120")),
    Case("budget_huge.toml", "budgets.kurse.per_year", ("at most 1e+11 EUR a year", "1e+300")),
    Case("staff_step_huge.toml", "staffing.outreach.staff[1].value", ("at most 1e+06 case managers", "1e+300")),
    # reachability by one rule for every kind of capacity: what lasts to the end is 0
    Case("budget_zero_only_exit.toml", "routes/hazards", ("no exit", "waiting:job", "budgets.money.per_year = 0")),
    Case("places_step_to_zero_only_exit.toml", "routes/hazards", ("no exit", "programmes.job.places[1] = 0")),
    Case("quota_step_to_zero_only_exit.toml", "routes/hazards", ("no exit", "programmes.job.entries_per_year[1] = 0")),
]


def _param(case: Case):
    return pytest.param(case, id=case.file.removesuffix(".toml"))


def snapshot(folder: Path) -> dict:
    """Every file below a folder with its bytes' hash and modification time (hidden files too)."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def jobpath(*args: str, timeout: float = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_refused(code: int, stderr: str, *fragments: str) -> None:
    """Exit 2, a short message holding the fragments, no traceback."""
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert len(stderr.encode()) < MAX_STDERR, f"{len(stderr)} characters: {stderr[:500]}"
    for f in fragments:
        assert f in stderr, f"{f!r} not in {stderr!r}"


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "run"
    assert main(["run", str(TINY), "--years", "0.25", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def good_batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "batch"
    assert main(["batch", str(TINY), "-n", "1", "--years", "0.25", "--workers", "1", "--out", str(out), "--quiet"]) == 0
    return out


def copy_of(folder: Path, tmp_path: Path) -> Path:
    dst = tmp_path / folder.name
    shutil.copytree(folder, dst)
    return dst


# --- the corpus of bad scenario files ------------------------------------------------------


def test_every_bad_file_has_a_case():
    assert {p.name for p in BAD.glob("*.toml")} == {c.file for c in CASES}


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_file_is_refused_by_validation(case: Case):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / case.file)
    err = info.value
    assert Path(err.file).name == case.file
    msgs = [m for path, m in err.problems if path == case.path]
    assert msgs, str(err)
    for word in case.words:
        assert any(word in m for m in msgs), f"{word!r} not in {msgs}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_file_run_exits_2_and_leaves_the_output_alone(case: Case, good_run, tmp_path, capsys):
    out = copy_of(good_run, tmp_path)
    before = snapshot(out)
    code = main(["run", str(BAD / case.file), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert_refused(code, err, case.file, case.path)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize("case", [_param(c) for c in CASES if c.hung])
def test_scenario_that_once_hung_is_refused_quickly(case: Case, tmp_path):
    t0 = time.perf_counter()
    res = jobpath("run", BAD / case.file, "--out", tmp_path / "out", "--quiet", timeout=60)
    assert_refused(res.returncode, res.stderr, case.file, case.path)
    assert time.perf_counter() - t0 < 60
    assert not (tmp_path / "out").exists()


def test_batch_refuses_a_bad_file_before_writing(good_batch, tmp_path, capsys):
    out = copy_of(good_batch, tmp_path)
    before = snapshot(out)
    code = main(
        [
            "batch",
            str(TINY),
            str(BAD / "zero_gap_loop.toml"),
            "-n",
            "1",
            "--years",
            "0.25",
            "--overwrite",
            "--workers",
            "1",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert_refused(code, capsys.readouterr().err, "zero_gap_loop.toml", "routes.zero")
    assert snapshot(out) == before


# --- files made on the fly -----------------------------------------------------------------


def test_byte_order_mark_is_accepted(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + TINY.read_bytes())
    assert load_scenario(f).scenario == load_scenario(TINY).scenario


@pytest.mark.parametrize(
    "text", ["x = " + "[" * 3000 + "]" * 3000, "x = " + "{ a = " * 3000 + "1" + " }" * 3000], ids=["arrays", "tables"]
)
def test_deep_nesting_is_refused_briefly(tmp_path, text, capsys):
    f = tmp_path / "deep.toml"
    f.write_text(text + "\n")
    code = main(["validate", str(f)])
    assert_refused(code, capsys.readouterr().err, "deep.toml", "nested too deep")


def test_long_extends_chain_is_refused_briefly(tmp_path, capsys):
    (tmp_path / "v0.toml").write_text(TINY.read_text())
    for i in range(1, 1100):
        (tmp_path / f"v{i}.toml").write_text(f'extends = "v{i - 1}.toml"\n')
    code = main(["validate", str(tmp_path / "v1099.toml")])
    assert_refused(code, capsys.readouterr().err, "v1099.toml", "extends", "at most 20 files")


def test_a_short_extends_chain_is_fine(tmp_path):
    (tmp_path / "v0.toml").write_text(TINY.read_text())
    for i in range(1, 10):
        (tmp_path / f"v{i}.toml").write_text(f'extends = "v{i - 1}.toml"\n')
    assert load_scenario(tmp_path / "v9.toml").scenario == load_scenario(TINY).scenario


def test_extends_may_leave_the_folder(tmp_path):
    """Documented: a base is found relative to the variant's folder, also above it (../base.toml)."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.toml").write_text(TINY.read_text())
    (tmp_path / "sub" / "v.toml").write_text('extends = "../base.toml"\n')
    assert load_scenario(tmp_path / "sub" / "v.toml").scenario == load_scenario(TINY).scenario


def test_base_with_a_syntax_error_names_the_extends_field(tmp_path):
    (tmp_path / "base.toml").write_text("name = \n")
    (tmp_path / "v.toml").write_text('extends = "base.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "v.toml")
    assert Path(info.value.file).name == "v.toml"
    assert info.value.problems[0][0] == "extends" and "base.toml" in info.value.problems[0][1]


@pytest.mark.parametrize("value", ['"' + "x" * 50_000_000 + '"', "[" + "1, " * 300_000 + "1]"], ids=["string", "array"])
def test_huge_wrong_value_is_not_echoed(tmp_path, value):
    f = tmp_path / "huge.toml"
    f.write_text(TINY.read_text().replace("places = 40", f"places = {value}", 1))
    res = jobpath("validate", f)
    assert_refused(res.returncode, res.stderr, "huge.toml")


def test_huge_value_in_an_extends_is_cut(tmp_path, capsys):
    f = tmp_path / "v.toml"
    f.write_text(f"extends = [{', '.join(['1'] * 100_000)}]\n")
    code = main(["validate", str(f)])
    assert_refused(code, capsys.readouterr().err, "extends", "characters")


# --- memory --------------------------------------------------------------------------------


def test_run_too_big_for_memory_is_refused_unless_forced(tmp_path, capsys, monkeypatch):
    f = tmp_path / "big.toml"
    f.write_text('extends = "' + str(TINY) + '"\n[population.initial]\nsize = 100000000\n')
    code = main(["run", str(f), "--years", "50", "--out", str(tmp_path / "out"), "--quiet"])
    assert_refused(code, capsys.readouterr().err, "big.toml", "fits in memory", "--force")
    code = main(["batch", str(f), "-n", "2", "--years", "50", "--out", str(tmp_path / "out"), "--quiet"])
    assert_refused(code, capsys.readouterr().err, "big.toml", "fits in memory", "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml"]


def test_memory_estimate_follows_the_benchmark():
    """2 kB per customer and year (1.9 kB measured at a million customers over a year) plus the engine."""
    from simulation import capacity

    s = load_scenario(TINY).scenario  # 500 people on day one, 25 a month
    assert capacity.customers(s, 2) == pytest.approx(500 + 25 * 24)
    assert capacity.estimate_bytes(s, 2) == pytest.approx(capacity.BASE_BYTES + 2000 * 1100 * 2)
    assert capacity.too_big(s, 2) is None


def test_memory_check_uses_what_is_available(monkeypatch):
    from simulation import capacity

    s = load_scenario(TINY).scenario
    monkeypatch.setattr(capacity, "available_bytes", lambda: 100 * 2**20)
    assert "--force" in capacity.too_big(s, 1)
    monkeypatch.setattr(capacity, "available_bytes", lambda: None)
    assert capacity.too_big(s, 1) is None


# --- command-line arguments ------------------------------------------------------------------

RUN_ARGS = [
    (["--seed", "-1"], ["--seed", "from 0", "found -1"]),
    (["--seed", str(2**70)], ["--seed", "found"]),
    (["--years", "0"], ["--years", "1/12"]),
    (["--years", "0.01"], ["--years", "1/12"]),
    (["--years", "nan"], ["--years", "1/12"]),
    (["--years", "inf"], ["--years", "1/12"]),
]
BATCH_ARGS = [
    (["--seed", "-1"], ["--seed", "found -1"]),
    (["--years", "0.01"], ["--years", "1/12"]),
    (["--years", "60"], ["--years", "50"]),
    (["--workers", "-1"], ["--workers", "from 1", "found -1"]),
    (["--workers", "0"], ["--workers", "from 1", "found 0"]),
    (["--dask", "local:0"], ["--dask", "local:N", "local:0"]),
    (["--dask", "local:abc"], ["--dask", "local:N", "local:abc"]),
    (["--dask", "local:-2"], ["--dask", "local:N"]),
    (["--dask", "tcp://127.0.0.1:9"], ["--dask", "127.0.0.1:9", "found none"]),
    (["--dask", "nonsense"], ["--dask", "tcp://host:8786"]),
    (["--dask", "x" * 100_000], ["--dask"]),
    (["--replications", "0"], ["--replications", "found 0"]),
    (["--precision", "0.1", "--indicators", "iq,no_such"], ["--indicators", "no_such"]),
    (["--precision", "0.1", "--indicators", "programme.nowhere.entries"], ["--indicators", "programme.nowhere"]),
    (["--precision", "2"], ["--precision", "found 2"]),
]


@pytest.mark.parametrize("args, words", RUN_ARGS, ids=[" ".join(a)[:30] for a, _ in RUN_ARGS])
def test_run_argument_refused_before_anything(args, words, good_run, tmp_path, capsys):
    out = copy_of(good_run, tmp_path)
    before = snapshot(out)
    code = main(["run", str(TINY), "--out", str(out), "--quiet", *args])
    assert_refused(code, capsys.readouterr().err, *words)
    assert snapshot(out) == before


@pytest.mark.parametrize("args, words", BATCH_ARGS, ids=[" ".join(a)[:30] for a, _ in BATCH_ARGS])
def test_batch_argument_refused_before_anything(args, words, good_batch, tmp_path, capsys):
    """Nothing written, no batch.json left behind, an existing batch untouched even with --overwrite."""
    t0 = time.perf_counter()
    code = main(["batch", str(TINY), "-n", "6", "--years", "0.25", "--out", str(tmp_path / "new"), "--quiet", *args])
    assert_refused(code, capsys.readouterr().err, *words)
    assert not (tmp_path / "new").exists()
    out = copy_of(good_batch, tmp_path)
    before = snapshot(out)
    code = main(["batch", str(TINY), "-n", "6", "--years", "0.25", "--out", str(out), "--overwrite", "--quiet", *args])
    assert_refused(code, capsys.readouterr().err, *words)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch"]
    assert time.perf_counter() - t0 < 30  # an address nobody listens on fails fast


def test_cli_shows_no_traceback_end_to_end(tmp_path):
    """The same through the installed command, in a process of its own."""
    for args, word in (
        (["run", TINY, "--seed", "-1"], "--seed"),
        (["batch", TINY, "--workers", "0"], "--workers"),
        (["batch", TINY, "--dask", "tcp://127.0.0.1:9", "--out", tmp_path / "b"], "--dask"),
        (["run", BAD / "start_9999.toml", "--out", tmp_path / "r"], "time"),
    ):
        res = jobpath(*args, timeout=60)
        assert_refused(res.returncode, res.stderr, word)
    assert list(tmp_path.iterdir()) == []


# --- output folders -----------------------------------------------------------------------


def test_run_refuses_an_existing_file_as_out(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    code = main(["run", str(TINY), "--years", "0.25", "--out", str(notes), "--quiet"])
    assert_refused(code, capsys.readouterr().err, "--out", "notes.txt", "existing file")
    assert notes.read_text() == "my notes\n" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_run_refuses_a_folder_of_other_files(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.tex").write_text("text")
    code = main(["run", str(TINY), "--years", "0.25", "--out", str(docs), "--quiet"])
    assert_refused(code, capsys.readouterr().err, "--out", "docs", "other files")
    assert [p.name for p in docs.iterdir()] == ["thesis.tex"]


@pytest.mark.parametrize(
    "out, words",
    [
        ("", ["--out", "empty"]),
        (".", ["--out", "current folder"]),
        ("..", ["--out", "current folder"]),
        ("/proc/jobpath-results", ["--out", "not writable"]),
        ("/proc/self/status/x", ["--out", "file"]),
        ("x" * 300, ["--out", "usable folder name", "300 characters"]),
    ],
    ids=["empty", "dot", "dotdot", "proc", "under-a-file", "name-too-long"],
)
@pytest.mark.parametrize("command", ["run", "batch"])
def test_unusable_out_is_refused(command, out, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("keep")
    extra = ["--workers", "1"] if command == "batch" else []
    code = main([command, str(TINY), "--years", "0.25", "--out", out, "--quiet", *extra])
    assert_refused(code, capsys.readouterr().err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("command", ["calibrate", "sensitivity"])
@pytest.mark.parametrize(
    "out, words",
    [
        ("", ["--out", "empty"]),
        ("notes.txt", ["--out", "existing file"]),
        ("docs", ["--out", "other files"]),
        (".", ["--out", "current folder"]),
    ],
    ids=["empty", "a-file", "other-files", "dot"],
)
def test_calibration_out_is_checked_like_run(command, out, words, tmp_path, capsys, monkeypatch):
    """calibrate and sensitivity refuse the same folders as run, before any simulation."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("my notes\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("text")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    args = [
        command,
        str(ROOT / "scenarios/kassel_2024.toml"),
        "--params",
        str(ROOT / "calibration/params/kassel.toml"),
        "--out",
        out,
        "--quiet",
    ]
    if command == "calibrate":
        args += ["--targets", str(ROOT / "calibration/targets/kassel.toml")]
    assert_refused(main(args), capsys.readouterr().err, *words)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_run_refuses_a_read_only_folder(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code = main(["run", str(TINY), "--years", "0.25", "--out", str(ro / "out"), "--quiet"])
        assert_refused(code, capsys.readouterr().err, "--out", "not writable")
    finally:
        ro.chmod(0o755)


def test_batch_refuses_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "mine.csv").write_text("a,b\n")
    code = main(["batch", str(TINY), "-n", "1", "--years", "0.25", "--workers", "1", "--out", str(tmp_path), "--quiet"])
    assert_refused(code, capsys.readouterr().err, "--out", "other files")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.csv"]


def test_overwrite_replaces_only_once_the_new_results_are_complete(good_batch, tmp_path, monkeypatch, capsys):
    """A failure half-way leaves the old batch whole; a complete one replaces it, leaving no hidden folders."""
    from simulation.batch import backends, runner

    out = copy_of(good_batch, tmp_path)
    before = snapshot(out)
    calls = []

    class Failing(backends.Serial):
        def map(self, jobs, out_dir, on_done):
            calls.append(out_dir)
            jobs = list(jobs)
            on_done(backends.run_job(jobs[0], out_dir))  # one replication written, then a failure
            raise RuntimeError("worker lost")

    monkeypatch.setattr(runner, "backend_for", lambda dask, workers: Failing())
    with pytest.raises(RuntimeError):
        runner.run_batch(
            runner.BatchSpec([str(TINY)], replications=3, years=0.25, out=str(out), seed=7, overwrite=True),
            progress=False,
        )
    assert calls and Path(calls[0]) != out
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch"]
    monkeypatch.undo()
    code = main(
        [
            "batch",
            str(TINY),
            "-n",
            "2",
            "--years",
            "0.25",
            "--seed",
            "7",
            "--workers",
            "1",
            "--out",
            str(out),
            "--overwrite",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert snapshot(out) != before
    assert sorted(p.name for p in (out / "runs" / "tiny").iterdir()) == ["rep-0001.parquet", "rep-0002.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch"]
    import duckdb

    con = duckdb.connect(str(out / "results.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2  # views point at the final folder
    con.close()


# --- interruption: workers die with their parent ---------------------------------------------


def _workers_of(pid: int) -> list[int]:
    psutil = pytest.importorskip("psutil")
    try:
        kids = psutil.Process(pid).children()
    except psutil.NoSuchProcess:
        return []
    return [k.pid for k in kids if "spawn_main" in " ".join(k.cmdline())]


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("backend", [["--workers", "2"], ["--dask", "local:2"]], ids=["processes", "dask"])
def test_workers_die_when_the_batch_is_killed(tmp_path, backend):
    """kill -9 of the main process of a 2-worker batch: its workers are gone within a few seconds."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulation.cli",
            "batch",
            str(TINY),
            "-n",
            "40",
            "--years",
            "2",
            *backend,
            "--out",
            str(tmp_path / "b"),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = _workers_of(proc.pid)
        assert len(workers) == 2, "the batch did not start its workers"
        time.sleep(1.0)  # let them take up replications
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(map(_alive, workers)):
            time.sleep(0.1)
        assert not any(map(_alive, workers)), "workers outlived their parent"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


# --- hypothesis: mutated valid scenarios ------------------------------------------------------


def _leaves(node, path=()):
    """Every (path, value) below a scenario dict: numbers, texts and lists."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        yield path, node
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _set(node, path, value):
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _mutants():
    import copy

    from hypothesis import strategies as st

    from simulation.scenario.loader import read_toml

    # tiny.toml, and tiny with everything over calendar time: steps, budgets, a pool, staffing, the labour market,
    # a calendar factor and durations by condition
    bases = [read_toml(f.resolve()) for f in (TINY, SCENARIOS / "tiny_plans.toml")]
    # extreme magnitudes as well as wrong signs and non-numbers
    bad_numbers = st.sampled_from(
        [0, -1, -0.5, math.inf, -math.inf, math.nan, 1e12, 1e308, 10**30, 1e-300, 1e3, 1e6, 1e9, 100, 101, 2.5e7]
    )

    @st.composite
    def mutant(draw):
        base = draw(st.sampled_from(bases))
        leaves = list(_leaves(base))
        numbers = [p for p, v in leaves if isinstance(v, (int, float)) and not isinstance(v, bool)]
        lists = [p for p, v in leaves if isinstance(v, list)]
        texts = [p for p, v in leaves if isinstance(v, str)]
        keys = [p for p, v in leaves if len(p) >= 2 and isinstance(p[-1], str)]
        data = copy.deepcopy(base)
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["number", "number", "list", "swap", "rename"]))
            if kind == "number":
                _set(data, draw(st.sampled_from(numbers)), draw(bad_numbers))
            elif kind == "list":
                _set(data, draw(st.sampled_from(lists)), [])
            elif kind == "swap":
                a, b = draw(st.sampled_from(texts)), draw(st.sampled_from(texts))
                va, vb = _get(data, a), _get(data, b)
                if va is not None and vb is not None:
                    _set(data, a, vb)
                    _set(data, b, va)
            else:  # a key renamed to another key's name
                a, b = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
                parent = _get(data, a[:-1])
                if isinstance(parent, dict) and a[-1] in parent:
                    parent[b[-1]] = parent.pop(a[-1])
        return data

    return mutant()


def _get(node, path):
    try:
        for k in path:
            node = node[k]
    except (KeyError, IndexError, TypeError):
        return None
    return node


class Slow(Exception):
    pass


def run_a_month_within(seconds: int, scenario, data: dict, what: str) -> None:
    """One replication of one month of a valid scenario, failed if it takes longer than `seconds`."""
    from simulation.run import replicate
    from simulation.scenario import LoadedScenario

    def alarm(signum, frame):
        raise Slow()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        replicate(LoadedScenario("fuzzed.toml", scenario, data), 1, 1 / 12)
    except Slow:
        pytest.fail(f"{what} took more than {seconds} s for one month")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_mutated_scenarios_are_valid_or_cleanly_refused():
    """Never another exception than ScenarioError; whatever is called valid runs a month in bounded time."""
    from hypothesis import HealthCheck, given, settings

    from simulation.scenario import validate

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_mutants())
    def check(data):
        try:
            scenario = validate(data, "mutant.toml")
        except ScenarioError as e:
            assert e.problems and len(str(e)) < 20_000
            return
        run_a_month_within(30, scenario, data, "a valid mutant")

    check()


def test_a_bad_draw_is_refused_before_any_replication(tmp_path, capsys):
    """A draws file whose values make a scenario invalid (here an infinite rate) stops the batch up front."""
    import pandas as pd

    pd.DataFrame({"draw": [1, 2], "hazards.integration.rate_per_month": [0.02, math.inf]}).to_parquet(
        tmp_path / "d.parquet"
    )
    code = main(
        [
            "batch",
            str(TINY),
            "-n",
            "2",
            "--years",
            "0.25",
            "--workers",
            "1",
            "--draws",
            str(tmp_path / "d.parquet"),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ]
    )
    assert_refused(code, capsys.readouterr().err, "d.parquet (draw 2", "hazards.integration.rate_per_month", "finite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.parquet"]


def test_dask_address_of_a_server_that_is_no_scheduler(good_batch, tmp_path, capsys):
    """Something else listening there (here: a server answering with junk) is refused quickly and cleanly."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"\xff" * 64 + b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    out = copy_of(good_batch, tmp_path)
    before = snapshot(out)
    t0 = time.perf_counter()
    try:
        code = main(
            [
                "batch",
                str(TINY),
                "-n",
                "2",
                "--years",
                "0.25",
                "--dask",
                f"tcp://127.0.0.1:{port}",
                "--out",
                str(out),
                "--overwrite",
                "--quiet",
            ]
        )
    finally:
        server.close()
    assert_refused(code, capsys.readouterr().err, "--dask", "expected a Dask scheduler")
    assert time.perf_counter() - t0 < 20
    assert snapshot(out) == before


def test_ten_thousand_problems_give_a_short_message(tmp_path, capsys):
    f = tmp_path / "many.toml"
    f.write_text(
        TINY.read_text()
        + "".join(
            f"[programmes.q{i}]\nplaces = -1\nduration = {{ dist = 'fixed', value = 1 }}\n" for i in range(10_000)
        )
    )
    code = main(["validate", str(f)])
    assert_refused(code, capsys.readouterr().err, "many.toml", "programmes.q0.places", "and 9970 more")


def test_indicator_names_checked_up_front_are_those_of_a_real_batch(good_batch):
    """--indicators is checked against a list made without running: it must equal what a run gives."""
    from simulation.batch import stats
    from simulation.batch.runner import yearly_indicator_names
    from simulation.batch.store import read_table

    y = stats.yearly(
        read_table(good_batch, "monthly", "tiny", [1]), read_table(good_batch, "programme_monthly", "tiny", [1])
    )
    assert yearly_indicator_names(load_scenario(TINY).scenario) == set(y["indicator"])


# --- hypothesis: extreme values in steps and in products of factors -----------------------------


def _extremes():
    """tiny_plans.toml with extreme values put into steps (places, quotas, inflow, pool places, staff, budgets) and
    into the factors that act on a rate at once (rate, bands, calendar, labour market, max_factor)."""
    import copy

    from hypothesis import strategies as st

    from simulation.scenario.loader import read_toml

    base = read_toml((SCENARIOS / "tiny_plans.toml").resolve())
    magnitude = st.one_of(
        st.sampled_from([0.0, 1.0, 100.0, 1e6, 1e9, 1e300]), st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
    )
    step_fields = [
        ("programmes", "coaching", "places"),
        ("programmes", "coaching", "entries_per_year"),
        ("population", "inflow", "per_month"),
        ("budgets", "coaching", "per_year"),
        ("hazards", "integration", "calendar"),
        ("labour_market", "factor"),
    ]

    @st.composite
    def extreme(draw):
        data = copy.deepcopy(base)
        changed = []
        for path in draw(st.lists(st.sampled_from(step_fields), min_size=1, max_size=4, unique=True)):
            steps = _get(data, path)
            i = draw(st.integers(0, len(steps) - 1))
            value = draw(magnitude)
            steps[i]["value"] = float(round(value)) if path[-1] in ("places", "entries_per_year") else value
            changed.append(".".join(path))
        if draw(st.booleans()):
            data["hazards"]["integration"]["rate_per_month"] = draw(st.floats(0, 100))
            changed.append("hazards.integration.rate_per_month")
        if draw(st.booleans()):
            data["staffing"]["regular"]["max_factor"] = draw(st.floats(1, 100))
            changed.append("staffing.regular.max_factor")
        if draw(st.booleans()):
            data["hazards"]["integration"]["by_months_in_benefit"] = [[0, draw(magnitude)], [12, 1.0]]
            changed.append("hazards.integration.by_months_in_benefit")
        return data, changed

    return extreme()


# the fields whose product is the integration hazard's rate (and the labour market's, which acts on it)
RATE_FIELDS = {
    "hazards.integration.rate_per_month",
    "hazards.integration.by_months_in_benefit",
    "hazards.integration.calendar",
    "labour_market.factor",
    "staffing.regular.max_factor",
}


def _most(steps) -> float:
    return max(s["value"] for s in steps) if isinstance(steps, list) else float(steps)


def test_extreme_steps_and_factor_products_are_refused_with_the_field_or_run_bounded():
    """Refused with one of the changed fields named, or valid: then every rate that reaches the engine (the rate
    times the largest band, calendar, labour market and staffing factor, an upper bound of the product at any one
    time) is what the check allowed, and one month runs within a time limit."""
    from hypothesis import HealthCheck, given, settings

    from simulation.scenario import validate
    from simulation.scenario.checks import MAX_RATE

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_extremes())
    def check(case):
        data, changed = case
        try:
            scenario = validate(data, "extreme.toml")
        except ScenarioError as e:
            paths = [p for p, _ in e.problems]
            if RATE_FIELDS & set(changed):  # a rate refused is reported at its largest factor, whichever it is
                changed = [*changed, *RATE_FIELDS]
            assert any(p.startswith(c) or p == "routes/hazards" for p in paths for c in changed), (paths, changed)
            return
        h = data["hazards"]["integration"]
        bands = max(m for _, m in h.get("by_months_in_benefit", [[0, 1.0]]))
        peak_each = (
            h["rate_per_month"]
            * bands
            * _most(data["labour_market"]["factor"])
            * data["staffing"]["regular"].get("max_factor", 2.0)
            * _most(h["calendar"])
        )
        assert _most(data["programmes"]["coaching"]["places"]) <= 1e8
        assert _most(data["population"]["inflow"]["per_month"]) <= 1e6
        run_a_month_within(
            30,
            scenario,
            data,
            f"a valid scenario (integration at most {peak_each:g} a month, allowed {MAX_RATE:g} at any one time)",
        )

    check()


def test_day_one_waiters_not_eligible_are_named_in_a_warning(tmp_path, capsys):
    """Waiters placed on a list whatever its eligibility says: valid, with a warning that names the field and the
    share, in `validate`, `run` and a batch; an eligible segment gives none."""
    f = tmp_path / "waiters.toml"
    f.write_text(f'extends = "{TINY.as_posix()}"\n[population.initial.programmes.course]\nsegment = "german"\n')
    loaded = load_scenario(f)
    assert [p for p, _ in loaded.warnings] == ["population.initial.programmes.course.segment"]
    assert "100 % of segment 'german'" in loaded.warnings[0][1]
    assert main(["validate", str(f)]) == 0
    captured = capsys.readouterr()
    assert "1 warning(s)" in captured.out
    assert "warning: " in captured.err and "population.initial.programmes.course.segment" in captured.err
    half = tmp_path / "half.toml"
    half.write_text(
        f'extends = "{TINY.as_posix()}"\n[population.segments.refugee]\n'
        "attributes = { german_level = { A0 = 0.5, A1 = 0.0, C1 = 0.5 } }\n"
    )
    assert "50 % of segment 'refugee'" in load_scenario(half).warnings[0][1]
    assert load_scenario(TINY).warnings == []


def test_validate_reports_every_file_not_only_the_first_bad_one(capsys):
    files = [BAD / "budget_huge.toml", TINY, BAD / "step_places_huge.toml"]
    assert main(["validate", *map(str, files)]) == 2
    out, err = capsys.readouterr()
    assert "tiny.toml: valid" in out
    assert "budgets.kurse.per_year" in err and "programmes.course.places[1].value" in err
    assert "2 of 3 files invalid" in err
