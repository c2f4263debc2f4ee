"""`jobpath estimate`: hazards recovered from spells simulated with known rates, interval coverage,
Weibull and piecewise fits, the scenario fragment, and the command's errors."""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from calibration import estimate as est
from calibration.hazard_models import exponential, piecewise, rate_ci, weibull, weibull_loglik
from simulation import cli
from simulation.engine.model import simulate
from simulation.scenario import load_scenario
from simulation.scenario.loader import merge as scenario_merge
from simulation.scenario.loader import read_toml
from tests.conftest import BASE, merge, scenario

TINY = Path(__file__).parent / "scenarios" / "tiny.toml"
LEVEL = 0.95


def acceptance(n: int, p: float = LEVEL, alpha: float = 0.001) -> tuple[int, int]:
    """Hit counts consistent with coverage p in n trials: the central 1 - alpha binomial range."""
    return int(stats.binom.ppf(alpha / 2, n, p)), int(stats.binom.isf(alpha / 2, n, p))


def competing(n: int, job: float, other: float, years: float = 1) -> dict:
    """n people in case management from day one, leaving by two competing hazards; censored at the horizon."""
    return merge(
        BASE,
        {
            "time": {"years": years},
            "population": {"initial": {"size": n}},
            "hazards": {
                "job": {"in": ["case_management"], "to": "exit:employment", "rate_per_month": job},
                "other": {"in": ["case_management"], "to": "exit:other", "rate_per_month": other},
            },
        },
    )


BANDED = merge(
    competing(400, 0.05, 0.02, years=2),
    {
        "population": {
            "segments": {"all": {"months_in_benefit": {"dist": "uniform", "low": 0, "high": 24}}},
            "inflow": {"per_month": 20, "segments": {"all": 1.0}},
        },
        "hazards": {"job": {"by_months_in_benefit": [[0, 1.6], [6, 1.0], [12, 0.5]]}},
    },
)
CUTS = [0.0, 6.0, 12.0]
BAND_RATES = {"job": [0.08, 0.05, 0.025], "other": [0.02, 0.02, 0.02]}


def fit(spells, **kw) -> pd.DataFrame:
    return est.estimate(est.prepare(spells), **kw)


# --- (a) exponential: recovery and coverage ---------------------------------------------


def test_competing_exponential_rates_recovered_by_the_model():
    """One run with many people: both true rates inside their 95 % intervals, and the MLE equals events/exposure."""
    spells = simulate(scenario(competing(3000, 0.06, 0.03)), seed=11).spells
    table = fit(spells, states=["case_management"])
    cm = spells[spells["state"] == "case_management"]
    exposure = float((cm["end"] - cm["start"]).sum()) / (365.25 / 12)
    for cause, true in (("job", 0.06), ("other", 0.03)):
        row = table[table["cause"] == cause].iloc[0]
        assert row.ci_low <= true <= row.ci_high, (cause, row)
        assert row.events == int((cm["end_reason"] == cause).sum())
        assert row.exposure_months == pytest.approx(exposure)
    assert set(table["cause"]) == {"job", "other"}  # 'censored' is not a cause


@pytest.mark.slow
def test_coverage_over_repeated_model_runs():
    """200 small runs (150 people, one year): the 95 % intervals of both causes cover the true rates
    in a share of runs consistent with 95 % (binomial acceptance range at alpha = 0.001)."""
    sc = scenario(competing(150, 0.06, 0.03))
    hits = n = 0
    for seed in range(200):
        table = fit(simulate(sc, seed).spells, states=["case_management"], causes=["job", "other"])
        for cause, true in (("job", 0.06), ("other", 0.03)):
            row = table[table["cause"] == cause].iloc[0]
            hits += row.ci_low <= true <= row.ci_high
            n += 1
    lo, hi = acceptance(n)
    assert lo <= hits <= hi, f"coverage {hits}/{n} = {hits / n:.3f}, expected within [{lo}, {hi}]"


def test_coverage_of_rate_intervals_with_small_counts():
    """Direct synthetic data (exponential times, uniform censoring, 2 to 20 expected events): the
    likelihood-ratio interval covers in a share consistent with 95 %."""
    rng = np.random.default_rng(7)
    reps, rate = 3000, 0.1
    hits = 0
    for _ in range(reps):
        n = int(rng.integers(5, 60))
        t = rng.exponential(1 / rate, n)
        c = rng.uniform(0, 12, n)
        r = exponential(np.zeros(n), np.minimum(t, c), t <= c)[0]
        hits += r.ci_low <= rate <= r.ci_high
    lo, hi = acceptance(reps)
    assert lo <= hits <= hi, f"coverage {hits}/{reps} = {hits / reps:.3f}, expected within [{lo}, {hi}]"


def test_rate_interval_solves_the_likelihood_ratio_equation():
    q = stats.chi2.ppf(LEVEL, 1)
    d, e = 7, 40.0
    mle, lo, hi = rate_ci(d, e)
    deviance = lambda r: 2 * (d * math.log(mle / r) - d + r * e)  # noqa: E731
    assert mle == d / e
    assert deviance(lo) == pytest.approx(q) and deviance(hi) == pytest.approx(q)
    assert rate_ci(0, e) == (0.0, 0.0, pytest.approx(q / (2 * e)))


# --- (b) Weibull ---------------------------------------------------------------------------


def weibull_sample(rng, n: int, shape: float, scale: float):
    """Weibull times observed from a random entry time (left truncation) until a random censoring time."""
    entry = rng.uniform(0, 3, 3 * n)
    t = scale * rng.weibull(shape, 3 * n)
    keep = np.flatnonzero(t > entry)[:n]
    entry, t = entry[keep], t[keep]
    c = entry + rng.exponential(2 * scale, n)
    return entry, np.minimum(t, c), t <= c


def test_weibull_derivatives_match_finite_differences():
    entry, exit_, event = weibull_sample(np.random.default_rng(3), 300, 1.5, 8.0)
    _, grad, hess = weibull_loglik(entry, exit_, event, 1.2, 7.0)
    h = 1e-5
    ll = lambda u, v: weibull_loglik(entry, exit_, event, math.exp(u), math.exp(v))  # noqa: E731
    u, v = math.log(1.2), math.log(7.0)
    num_grad = [(ll(u + h, v)[0] - ll(u - h, v)[0]) / (2 * h), (ll(u, v + h)[0] - ll(u, v - h)[0]) / (2 * h)]
    num_hess = np.array([(ll(u + h, v)[1] - ll(u - h, v)[1]) / (2 * h), (ll(u, v + h)[1] - ll(u, v - h)[1]) / (2 * h)])
    assert grad == pytest.approx(num_grad, rel=1e-6)
    assert hess == pytest.approx(num_hess, rel=1e-5)


def test_weibull_recovery_and_coverage_on_synthetic_data():
    """A large sample recovers shape and scale; 300 samples of 200 give near-95 % coverage."""
    rng = np.random.default_rng(5)
    shape, scale = 1.6, 10.0
    big = {r.parameter: r for r in weibull(*weibull_sample(rng, 5000, shape, scale))}
    assert big["shape"].ci_low <= shape <= big["shape"].ci_high
    assert big["scale_months"].ci_low <= scale <= big["scale_months"].ci_high
    assert big["shape"].ci_high / big["shape"].ci_low < 1.1  # a tight interval, not a vacuous one
    reps, hits = 300, {"shape": 0, "scale_months": 0}
    for _ in range(reps):
        for r in weibull(*weibull_sample(rng, 200, shape, scale)):
            hits[r.parameter] += r.ci_low <= {"shape": shape, "scale_months": scale}[r.parameter] <= r.ci_high
    lo, hi = acceptance(reps)
    assert all(lo <= h <= hi for h in hits.values()), (hits, lo, hi)


def test_weibull_with_shape_one_is_the_exponential_model():
    """At shape 1 the Weibull log-likelihood is the exponential one, D log r - r E with r = 1/scale; the
    Weibull fit, which nests it, reaches at least the exponential maximum."""
    rng = np.random.default_rng(9)
    t, c = rng.exponential(20.0, 2000), rng.uniform(0, 40, 2000)
    data = (rng.uniform(0, 1, 2000) * np.minimum(t, c), np.minimum(t, c), t <= c)
    d, e = int(data[2].sum()), float((data[1] - data[0]).sum())
    for scale in (5.0, 20.0):
        assert weibull_loglik(*data, 1.0, scale)[0] == pytest.approx(d * math.log(1 / scale) - e / scale)
    rate = exponential(*data)[0].estimate
    w = {r.parameter: r.estimate for r in weibull(*data)}
    assert weibull_loglik(*data, w["shape"], w["scale_months"])[0] >= weibull_loglik(*data, 1.0, 1 / rate)[0]


# --- (c) piecewise with by_months_in_benefit -------------------------------------------------


def test_piecewise_recovers_benefit_bands():
    """Stock with 0-24 months in benefit plus arrivals, a hazard with bands at 6 and 12 months:
    on the benefit time scale each piece's interval holds the banded rate; coverage over 30 runs."""
    sc = scenario(BANDED)
    hits = n = 0
    for seed in range(30):
        table = fit(
            simulate(sc, seed).spells, states=["case_management"], models=["piecewise"], cuts=CUTS, time_scale="benefit"
        )
        for cause, rates in BAND_RATES.items():
            rows = table[table["cause"] == cause]
            assert list(rows["parameter"]) == ["rate_per_month[0,6)", "rate_per_month[6,12)", "rate_per_month[12,inf)"]
            for row, true in zip(rows.itertuples(), rates):
                hits += row.ci_low <= true <= row.ci_high
                n += 1
    lo, hi = acceptance(n)
    assert lo <= hits <= hi, f"coverage {hits}/{n} = {hits / n:.3f}, expected within [{lo}, {hi}]"


def test_piecewise_matches_hand_computed_events_and_exposure():
    entry = np.array([0.0, 2.0, 5.0, 0.0])
    exit_ = np.array([4.0, 9.0, 15.0, 6.0])
    event = np.array([True, False, True, True])
    rows = piecewise(entry, exit_, event, [0.0, 6.0, 12.0])
    assert [r.events for r in rows] == [1, 1, 1]  # exit at 6.0 falls in [6, 12)
    assert [r.exposure_months for r in rows] == [4 + 4 + 1 + 6, 3 + 6, 3]


def test_benefit_time_counts_from_the_episode_start():
    """Hand-made spells: a re-entry starts a new episode; day-one stock counts its prior benefit time,
    and time before the window start is left-truncated."""
    m = 365.25 / 12
    spells = pd.DataFrame(
        {
            "person_id": [1, 1, 1, 2, 2],
            "state": ["case_management", "exit", "case_management", "prior_benefit", "case_management"],
            "start": [0.0, 10 * m, 20 * m, -5 * m, 0.0],
            "end": [10 * m, 20 * m, 26 * m, 0.0, 3 * m],
            "end_reason": ["job", "reentry", "censored", "simulation_start", "job"],
        }
    )
    rows = est.risk_set(est.prepare(spells), "case_management", "benefit", 0.0).sort_values("entry")
    assert rows[["entry", "exit"]].to_numpy().ravel() == pytest.approx([0, 10, 0, 6, 5, 8])
    rows = est.risk_set(est.prepare(spells), "case_management", "state", 0.0)
    assert sorted(rows["exit"] - rows["entry"]) == pytest.approx([3, 6, 10])
    stock = pd.DataFrame(
        {"person_id": [3], "state": ["no_contact"], "start": [-2 * m], "end": [4 * m], "end_reason": ["censored"]}
    )
    rows = est.risk_set(est.prepare(stock), "no_contact", "state", 0.0)
    assert rows[["entry", "exit"]].to_numpy().ravel() == pytest.approx([2, 6])


def test_waiting_part_ends_by_admission_as_censoring():
    spells = pd.DataFrame(
        {
            "person_id": [1, 2],
            "state": ["programme", "programme"],
            "programme": ["p", "p"],
            "waiting_start": [0.0, 0.0],
            "start": [30.0, math.nan],
            "end": [90.0, 45.0],
            "end_reason": ["completed", "job"],
        }
    )
    df = est.prepare(spells)
    wait = est.risk_set(df, "waiting:p", "state", 0.0).sort_values("person_id")
    assert list(wait["_reason"]) == ["admitted", "job"]
    assert wait["exit"].to_numpy() * (365.25 / 12) == pytest.approx([30.0, 45.0])
    part = est.risk_set(df, "programme:p", "state", 0.0)
    assert len(part) == 1 and part["exit"].iloc[0] * (365.25 / 12) == pytest.approx(60.0)


# --- (d) the scenario fragment -------------------------------------------------------------


def test_fragment_merged_into_its_scenario_validates_and_carries_the_estimates():
    table = fit(
        simulate(scenario(BANDED), 1).spells,
        states=["case_management"],
        models=["piecewise"],
        cuts=CUTS,
        time_scale="benefit",
    )
    text = est.fragment(table, "piecewise", BANDED)
    est.check_fragment(text, BANDED, "<banded>")
    merged = scenario(scenario_merge(BANDED, tomllib.loads(text)))
    for cause in ("job", "other"):
        h = merged.hazards[cause]
        rows = table[table["cause"] == cause]
        assert h.in_ == ["case_management"] and h.to == BANDED["hazards"][cause]["to"]
        assert [h.rate_per_month * k for _, k in h.by_months_in_benefit] == pytest.approx(
            list(rows["estimate"]), rel=1e-5
        )
        assert [m for m, _ in h.by_months_in_benefit] == CUTS
    assert "months since the start of the benefit episode" in text


def test_fragment_on_time_in_state_says_so():
    table = fit(simulate(scenario(BANDED), 1).spells, states=["case_management"], models=["piecewise"], cuts=CUTS)
    text = est.fragment(table, "piecewise", BANDED)
    assert "not on months in the benefit episode" in text
    est.check_fragment(text, BANDED, "<banded>")


def test_fragment_by_group_splits_the_hazard_and_validates(tmp_path):
    """tiny.toml: integration by german_level in case management becomes one hazard per level; the
    original keeps its other states; the fragment file extends tiny.toml and loads."""
    spells = simulate(load_scenario(TINY).scenario, 2).spells
    path = tmp_path / "spells.parquet"
    spells.to_parquet(path)
    frag = tmp_path / "frag.toml"
    code = run_cli(
        [
            "estimate",
            str(path),
            "--state",
            "case_management",
            "--causes",
            "integration,other_exit",
            "--by",
            "german_level",
            "--models",
            "exponential",
            "--scenario",
            str(TINY),
            "--fragment",
            str(frag),
            "--quiet",
        ]
    )
    assert code == 0
    s = load_scenario(frag).scenario
    source = read_toml(TINY)
    assert s.hazards["integration"].in_ == [p for p in source["hazards"]["integration"]["in"] if p != "case_management"]
    assert s.hazards["integration_C1"].when["german_level"] == "C1"
    assert s.hazards["integration_C1"].in_ == ["case_management"]
    assert s.hazards["integration_A0"].rate_per_month == 0  # the source hazard never acts below A2
    assert s.hazards["other_exit_B1"].to == source["hazards"]["other_exit"]["to"]


def test_fragment_of_a_cause_from_several_states_is_refused():
    table = fit(
        simulate(load_scenario(TINY).scenario, 2).spells,
        states=["case_management", "waiting:course"],
        causes=["other_exit"],
    )
    with pytest.raises(est.InputError, match="several states"):
        est.fragment(table, "exponential", read_toml(TINY))


# --- the command ---------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    """Run `jobpath` (which registers this module as the `estimate` sub-command)."""
    assert "calibration.estimate" in cli.EXTENSIONS
    return cli.main(argv)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A `jobpath run` result directory of the competing-hazards scenario (spells + manifest)."""
    d = tmp_path_factory.mktemp("est")
    src = d / "competing.toml"
    src.write_text(COMPETING_TOML)
    out = d / "run"
    assert cli.main(["run", str(src), "--seed", "4", "--out", str(out), "--quiet"]) == 0
    return d


COMPETING_TOML = """
name = "competing"
[time]
start = 2024-01-01
years = 1
[attributes]
sex = ["female", "male"]
[population]
common = { sex = { female = 0.5, male = 0.5 } }
segments = { all = {} }
initial = { size = 800, segments = { all = 1.0 } }
[hazards.job]
in = ["case_management"]
to = "exit:employment"
rate_per_month = 0.06
[hazards.other]
in = ["case_management"]
to = "exit:other"
rate_per_month = 0.03
"""


def test_cli_writes_table_and_fragment_validated_by_the_manifest(run_dir, capsys):
    out, frag = run_dir / "est.csv", run_dir / "frag.toml"
    code = run_cli(
        [
            "estimate",
            str(run_dir / "run" / "spells.parquet"),
            "--state",
            "case_management",
            "--by",
            "sex",
            "--out",
            str(out),
            "--fragment",
            str(frag),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == list(est.COLUMNS)
    assert set(table["group"]) == {"sex=female", "sex=male"}
    assert set(table["model"]) == {"exponential", "weibull"}
    spells = pd.read_parquet(run_dir / "run" / "spells.parquet")
    cm = spells[spells["state"] == "case_management"]
    for row in table[table["model"] == "exponential"].itertuples():
        mine = cm[cm["sex"] == row.group.split("=")[1]]
        events = int((mine["end_reason"] == row.cause).sum())
        exposure = float((mine["end"] - mine["start"]).sum()) / (365.25 / 12)
        assert (row.events, row.exposure_months) == (events, pytest.approx(exposure))
        assert row.estimate == pytest.approx(events / exposure)
    assert "rate_per_month" in capsys.readouterr().out
    data = tomllib.loads(frag.read_text())
    assert set(data["hazards"]) == {"job", "other", "job_female", "job_male", "other_female", "other_male"}


def test_cli_fragment_that_does_not_fit_its_scenario_exits_2(run_dir, tmp_path, capsys):
    """--by origin is no scenario attribute: no group hazard can be written for it."""
    frag = tmp_path / "frag.toml"
    code = run_cli(
        [
            "estimate",
            str(run_dir / "run" / "spells.parquet"),
            "--state",
            "case_management",
            "--by",
            "origin",
            "--fragment",
            str(frag),
            "--quiet",
        ]
    )
    assert code == 2 and not frag.exists()
    assert "expected attributes of the scenario" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.parquet"], "found no file"),
        (["{bad}"], "missing ['end_reason']"),
        (["{spells}", "--state", "nowhere"], "no spells in state 'nowhere'"),
        (["{spells}", "--state", "programme:x"], "needs column 'programme'"),
        (["{spells}", "--cuts", "1,6"], "--cuts: expected increasing months starting at 0"),
        (["{spells}", "--models", "gompertz"], "--models: expected some of"),
        (["{spells}", "--causes", "jobb"], "--causes: expected end reasons"),
        (["{spells}", "--by", "height"], "--by: expected columns"),
        (["{spells}", "--out", "x.xlsx"], "--out: expected a file ending in .csv or .parquet"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path, capsys, args, message):
    spells = tmp_path / "s.csv"
    pd.DataFrame(
        {"person_id": [1], "state": ["case_management"], "start": [0.0], "end": [30.0], "end_reason": ["job"]}
    ).to_csv(spells, index=False)
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"person_id": [1], "state": ["x"], "start": [0.0], "end": [1.0]}).to_csv(bad, index=False)
    argv = ["estimate"] + [a.format(spells=spells, bad=bad) for a in args]
    if argv[1] == "missing.parquet":
        argv[1] = str(tmp_path / "missing.parquet")
    assert run_cli(argv) == 2
    assert message in capsys.readouterr().err


def test_register_adds_the_subcommand_without_heavy_imports():
    parser = argparse.ArgumentParser()
    est.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["estimate", "s.parquet", "--cuts", "0,6"])
    assert args.func is est.run and args.time_scale == "state"
    probe = "import sys, calibration.estimate; print(sorted({'pandas', 'numpy', 'scipy'} & set(sys.modules)))"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )
