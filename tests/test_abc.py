"""`jobpath calibrate`: ABC-SMC recovers known rates from data simulated with them; runs continue
from their checkpoint; bad PARAMS files and arguments are refused with a clear message."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from calibration.abc import CalibrationSpec, run_calibration, target_term, weighted_quantiles
from calibration.compare import measure
from simulation import cli
from simulation.batch.worker import apply_overrides
from simulation.run import replicate
from simulation.scenario import LoadedScenario, load_scenario, validate
from tests.conftest import BASE, merge

INTEGRATION = "hazards.integration.rate_per_month"
OTHER = "hazards.other_exit.rate_per_month"
TRUE = {INTEGRATION: 0.04, OTHER: 0.03}
PRIOR = (0.005, 0.1)  # uniform prior of both rates


def toml_inline(value) -> str:
    """A value as TOML (tables inline), enough for the builders' dicts."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_inline(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def write_scenario(path, data: dict) -> str:
    path.write_text("".join(f"{json.dumps(k)} = {toml_inline(v)}\n" for k, v in data.items()))
    return str(path)


def decay_dict(**extra) -> dict:
    """A stock of 400 in case management, 10 newcomers a month; leaving by integration or another exit."""
    return merge(
        merge(
            BASE,
            {
                "population": {"initial": {"size": 400}, "inflow": {"per_month": 10, "segments": {"all": 1.0}}},
                "routes": {"entry": [{"options": [{"to": "case_management", "probability": 1}]}]},
                "hazards": {
                    "integration": {"in": ["case_management"], "to": "exit:employment", "rate_per_month": 0.02},
                    "other_exit": {"in": ["case_management"], "to": "exit:other", "rate_per_month": 0.02},
                },
            },
        ),
        extra,
    )


def write_params(path, names, low=PRIOR[0], high=PRIOR[1]) -> str:
    path.write_text("".join(f'[params."{n}"]\nprior = "uniform"\nlow = {low}\nhigh = {high}\n\n' for n in names))
    return str(path)


def observed_targets(path, data: dict, truth: dict, seed: int, noise_runs: int = 6) -> dict:
    """Targets measured in one run at the true rates; band: +-2 sd of the metric over other runs at the truth."""
    data = apply_overrides(data, list(truth.items()))
    loaded = LoadedScenario("<truth>", validate(data, "<truth>"), data)
    spec = {"integrations": {"metric": "integrations"}, "elb_stock_mean": {"metric": "elb_stock_mean"}}
    obs = measure(replicate(loaded, seed), 2024, spec)
    noise = pd.DataFrame([measure(replicate(loaded, seed + k), 2024, spec) for k in range(1, noise_runs + 1)])
    lines = ["year = 2024\n"]
    for name, v in obs.items():
        half = 2 * noise[name].std()
        lines.append(f'[targets.{name}]\nmetric = "{name}"\nvalue = {v}\nlow = {v - half}\nhigh = {v + half}\n')
    path.write_text("\n".join(lines))
    return obs


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    d = tmp_path_factory.mktemp("recovery")
    scen = write_scenario(d / "decay.toml", decay_dict())
    observed_targets(d / "targets.toml", decay_dict(), TRUE, seed=987654)
    spec = CalibrationSpec(
        scen,
        str(d / "targets.toml"),
        write_params(d / "params.toml", TRUE),
        str(d / "out"),
        populations=4,
        particles=15,
        workers=1,
        seed=3,
        draws=40,
        fit_replications=2,
        quiet=True,
    )
    return spec, run_calibration(spec)


def test_recovers_true_rates_within_posterior_interval(recovery):
    _, res = recovery
    post = res.posterior
    w = post["weight"].to_numpy()
    prior_width = 0.95 * (PRIOR[1] - PRIOR[0])
    for path, truth in TRUE.items():
        lo, hi = weighted_quantiles(post[path].to_numpy(), w, (0.025, 0.975))
        assert lo <= truth <= hi, (path, lo, truth, hi)
        assert hi - lo < 0.5 * prior_width, f"{path}: the data should narrow the prior, found {lo:.4f} .. {hi:.4f}"
    assert w.sum() == pytest.approx(1.0)


def test_outputs_carry_the_posterior(recovery):
    spec, res = recovery
    out = res.out
    cal = load_scenario(out / "calibrated.toml")  # extends the input scenario
    assert cal.scenario.hazards["integration"].rate_per_month == pytest.approx(res.medians[INTEGRATION], rel=1e-5)
    assert cal.scenario.hazards["other_exit"].rate_per_month == pytest.approx(res.medians[OTHER], rel=1e-5)
    assert cal.scenario.hazards["integration"].to == "exit:employment"  # everything else from the input
    draws = pd.read_parquet(out / "draws.parquet")
    assert list(draws.columns) == ["draw", INTEGRATION, OTHER] and len(draws) == spec.draws
    post = res.posterior
    for path in TRUE:  # every draw is a particle of the last population
        assert set(draws[path]).issubset(set(post[path]))
    base = load_scenario(spec.scenario).resolved
    validate(apply_overrides(base, [(p, draws.loc[0, p]) for p in TRUE]), "<draw>")
    fit = (out / "fit.md").read_text()
    assert "| integrations |" in fit and "| elb_stock_mean |" in fit and INTEGRATION in fit
    assert pd.read_parquet(out / "posterior.parquet")["population"].eq(4).all()


def test_stop_after_one_population_and_resume(tmp_path):
    import pyabc

    scen = write_scenario(tmp_path / "decay.toml", decay_dict())
    observed_targets(tmp_path / "targets.toml", decay_dict(), TRUE, seed=5)
    params = write_params(tmp_path / "params.toml", [INTEGRATION])
    spec = CalibrationSpec(
        scen,
        str(tmp_path / "targets.toml"),
        params,
        str(tmp_path / "out"),
        populations=1,
        particles=8,
        workers=1,
        seed=1,
        draws=5,
        fit_replications=1,
        quiet=True,
    )
    first = run_calibration(spec)
    db = f"sqlite:///{tmp_path / 'out' / 'abc.db'}"
    h = pyabc.History(db)
    assert h.max_t == 0
    t0_before, w0_before = h.get_distribution(m=0, t=0)
    eps0 = h.get_all_populations().set_index("t").loc[0, "epsilon"]

    spec.populations, spec.resume = 2, True
    second = run_calibration(spec)
    h = pyabc.History(db)
    assert len(h.all_runs()) == 1 and h.max_t == 1  # the same run, one population more
    t0_after, w0_after = h.get_distribution(m=0, t=0)
    pd.testing.assert_frame_equal(t0_before, t0_after)
    np.testing.assert_array_equal(w0_before, w0_after)
    eps = h.get_all_populations().set_index("t")["epsilon"]
    assert eps.loc[0] == eps0 and eps.loc[1] <= eps0  # population 2 continues with a tighter tolerance
    assert second.simulations > first.simulations and second.populations == 2


def jobpath(monkeypatch, *argv) -> int:
    monkeypatch.setattr(cli, "EXTENSIONS", ["calibration.abc"])
    return cli.main(list(argv))


def test_refuses_bad_params_and_restarts(tmp_path, monkeypatch, capsys):
    data = decay_dict(programmes={"p": {"duration": {"dist": "exponential", "mean": 3}, "places": 5}})
    scen = write_scenario(tmp_path / "s.toml", data)
    observed_targets(tmp_path / "t.toml", decay_dict(), TRUE, seed=1)
    targets, out = str(tmp_path / "t.toml"), str(tmp_path / "out")
    cases = [
        (
            '[params."hazards.integraton.rate_per_month"]\nprior = "uniform"\nlow = 0.01\nhigh = 0.1\n',
            ['params."hazards.integraton.rate_per_month"', "found no 'integraton' under hazards", "integration"],
        ),
        (
            '[params."routes.entry.options"]\nprior = "uniform"\nlow = 0.1\nhigh = 0.9\n',
            ["found an array at 'routes.entry'"],
        ),
        (
            '[params."programmes.p.places"]\nprior = "uniform"\nlow = 2\nhigh = 9\n',
            ['params."programmes.p.places"', "integer = true"],
        ),
        (
            '[params."programmes.p.cost_per_month"]\nprior = "gamma"\nlow = 1\nhigh = 2\n',
            ["prior: expected one of 'uniform', 'lognormal', 'normal', found 'gamma'"],
        ),
        (
            '[params."programmes.p.cost_per_month"]\nprior = "normal"\nmean = 1\nsd = 1\nlow = 3\nhigh = 2\n',
            ["expected high > low (3), found high = 2"],
        ),
        (
            '[params."programmes.p.kosten"]\nprior = "uniform"\nlow = 1\nhigh = 2\n',
            ["programmes.p.kosten", "unknown key"],
        ),
        (
            '[params.programmes.p.cost_per_month]\nprior = "uniform"\nlow = 1\nhigh = 2\n',
            ["expected the whole dotted path in quotes"],
        ),
    ]
    for i, (text, fragments) in enumerate(cases):
        p = tmp_path / f"p{i}.toml"
        p.write_text(text)
        assert (
            jobpath(monkeypatch, "calibrate", scen, "--targets", targets, "--params", str(p), "--out", out, "--quiet")
            == 2
        )
        err = capsys.readouterr().err
        assert f"{p}: invalid PARAMS file" in err, err
        for f in fragments:
            assert f in err, (f, err)
    assert not (tmp_path / "out").exists()

    bad_targets = tmp_path / "bad_targets.toml"
    bad_targets.write_text('year = 2025\n[targets.x]\nmetric = "nonsense"\nvalue = 1\n')
    good = write_params(tmp_path / "good.toml", [INTEGRATION])
    assert jobpath(monkeypatch, "calibrate", scen, "--targets", str(bad_targets), "--params", good, "--out", out) == 2
    err = capsys.readouterr().err
    assert "invalid targets file" in err and "targets.x.metric" in err and "year: expected a calendar year" in err
    assert jobpath(monkeypatch, "calibrate", scen, "--targets", targets, "--params", good, "--particles", "0") == 2
    assert "--particles: expected a whole number >= 1, found 0" in capsys.readouterr().err
    assert (
        jobpath(monkeypatch, "calibrate", scen, "--targets", targets, "--params", good, "--out", out, "--resume") == 2
    )
    assert "nothing to resume" in capsys.readouterr().err


def test_resume_refuses_changed_inputs(tmp_path, monkeypatch, capsys):
    from calibration.abc import _record

    scen = write_scenario(tmp_path / "s.toml", decay_dict())
    observed_targets(tmp_path / "t.toml", decay_dict(), TRUE, seed=2)
    params = write_params(tmp_path / "p.toml", [INTEGRATION])
    out = tmp_path / "out"
    out.mkdir()
    spec = CalibrationSpec(scen, str(tmp_path / "t.toml"), params, str(out))
    (out / "calibration.json").write_text(json.dumps(_record(spec, load_scenario(scen).sha256)))
    (out / "abc.db").write_text("")  # stands for the earlier run's history: not opened before the checks
    write_scenario(tmp_path / "s.toml", decay_dict(population={"inflow": {"per_month": 11}}))
    args = ["calibrate", scen, "--targets", str(tmp_path / "t.toml"), "--params", params, "--out", str(out)]
    assert jobpath(monkeypatch, *args) == 2
    assert "already holds a calibration" in capsys.readouterr().err
    assert jobpath(monkeypatch, *args, "--resume") == 2
    err = capsys.readouterr().err
    assert "found different scenario_sha256" in err and "params" not in err.split("found different")[1]


def test_distance_terms_follow_the_bands():
    two = {"value": 100, "low": 90, "high": 110}
    assert target_term(two, 115) == pytest.approx((15 / 10) ** 2)
    assert target_term(two, 100) == 0
    lower = {"value": 100, "low": 80}  # one-sided: only a violation counts
    assert target_term(lower, 500) == 0
    assert target_term(lower, 60) == pytest.approx((20 / 20) ** 2)
    at_bound = {"value": 0.667, "low": 0.667}  # bound = value: scale 5 % of the value
    assert target_term(at_bound, 0.6) == pytest.approx((0.067 / (0.05 * 0.667)) ** 2)
    assert target_term(two, float("nan")) == 100.0


def test_runs_on_a_local_dask_cluster(tmp_path):
    """--dask: particles are simulated on Dask workers (the batch layer's cluster)."""
    scen = write_scenario(tmp_path / "decay.toml", decay_dict())
    observed_targets(tmp_path / "targets.toml", decay_dict(), TRUE, seed=3)
    params = write_params(tmp_path / "params.toml", [INTEGRATION])
    spec = CalibrationSpec(
        scen,
        str(tmp_path / "targets.toml"),
        params,
        str(tmp_path / "out"),
        populations=1,
        particles=6,
        dask="local:2",
        seed=1,
        draws=3,
        fit_replications=1,
        quiet=True,
    )
    result = run_calibration(spec)
    assert result.populations == 1 and result.simulations >= 6
    assert (tmp_path / "out" / "posterior.parquet").exists()
