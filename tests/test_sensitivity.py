"""`jobpath sensitivity` on a toy scenario whose answer is known.

400 people in case management, 10 newcomers a month, leaving by integration (rate r1) or
another exit (rate r2); a programme nobody is routed to has a cost. The expected stock is
lam/r + (n0 - lam/r) exp(-r t) with r = r1 + r2, so IQ (integrations over the mean month-end
stock) is about 12 r1 whatever r2, the eLb stock falls with both rates, and the programme's
cost changes nothing. Reference Sobol indices come from this mean model; with common random
numbers a parameter without influence has exactly zero effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.params import read_params
from calibration.sensitivity import SensitivitySpec, _problem, analyse, run_point, run_sensitivity, sample_unit
from simulation import cli
from simulation.engine.clock import DAYS_PER_MONTH
from tests.test_abc import decay_dict, write_scenario

R1, R2, COST = (
    "hazards.integration.rate_per_month",
    "hazards.other_exit.rate_per_month",
    "programmes.idle.cost_per_month",
)
PARAMS = f"""
[params."{R1}"]
prior = "uniform"
low = 0.01
high = 0.08

[params."{R2}"]
prior = "lognormal"
median = 0.03
sigma = 0.3

[params."{COST}"]
prior = "normal"
mean = 500
sd = 100
low = 200
high = 800
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("sens")
    idle = {"idle": {"duration": {"dist": "exponential", "mean": 3}, "places": 5, "cost_per_month": 500}}
    scen = write_scenario(d / "toy.toml", decay_dict(programmes=idle))
    (d / "params.toml").write_text(PARAMS)
    return d, scen, str(d / "params.toml")


def mean_model(r1, r2, n0=400, lam=10):
    """Expected IQ and mean month-end eLb stock of 2024 (a leap year) from the CTMC's mean stock."""
    r1, r2 = np.asarray(r1, float), np.asarray(r2, float)
    r = (r1 + r2)[:, None]
    ends = np.cumsum([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / DAYS_PER_MONTH
    horizon = 366 / DAYS_PER_MONTH
    stock = (lam / r + (n0 - lam / r) * np.exp(-r * ends[None, :])).mean(1)
    r = r[:, 0]
    integrations = r1 * (lam / r * horizon + (n0 - lam / r) * (1 - np.exp(-r * horizon)) / r)
    return {"iq": integrations / stock, "elb_stock": stock}


def reference_indices(params: str, n: int = 4096) -> dict[str, dict]:
    """Sobol indices of the mean model, with a large sample (cheap: no simulation)."""
    pset = read_params(params)
    unit = sample_unit("sobol", _problem(pset), n, seed=7)
    ys = mean_model(pset.params[0].from_unit(unit[:, 0]), pset.params[1].from_unit(unit[:, 1]))
    return {ind: analyse("sobol", _problem(pset), unit, y, seed=7) for ind, y in ys.items()}


def rows(table, indicator):
    return table[table["indicator"] == indicator].set_index("parameter")


def test_sobol_ranks_the_integration_rate_first_for_iq(toy):
    d, scen, params = toy
    res = run_sensitivity(
        SensitivitySpec(scen, params, ["iq", "elb_stock"], "sobol", 16, workers=2, out=str(d / "sobol"), quiet=True)
    )
    assert len(res.runs) == 16 * (3 + 2)
    iq = rows(res.table, "iq")
    assert iq.index[0] == R1 and iq.loc[R1, "rank"] == 1
    runs = pd.read_parquet(d / "sobol" / "runs.parquet")
    assert runs[R1].between(0.01, 0.08).all() and runs[COST].between(200, 800).all() and (runs[R2] > 0).all()
    expected = mean_model(runs[R1], runs[R2])
    ref = reference_indices(params)
    for ind in ("iq", "elb_stock"):
        # each run's indicator follows the mean model up to simulation noise ...
        noise_share = np.var(runs[ind] - expected[ind]) / np.var(runs[ind])
        assert noise_share < 0.1, (ind, noise_share)
        # ... and the mean model's indices lie in the estimates' 95 % CIs, widened by the noise's share of variance
        r = rows(res.table, ind)
        for j, name in enumerate((R1, R2)):
            for k in ("S1", "ST"):
                gap = abs(r.loc[name, k] - ref[ind][k][j])
                assert gap <= r.loc[name, f"{k}_conf"] + noise_share, (ind, name, k, ref[ind][k][j])
        assert r.loc[COST, "S1"] == 0 and r.loc[COST, "ST"] == 0 and r.loc[COST, "rank"] == 3
    stock = rows(res.table, "elb_stock")
    assert stock.loc[R2, "ST"] > stock.loc[R2, "ST_conf"]  # the other exit matters for the stock
    saved = pd.read_parquet(d / "sobol" / "sensitivity.parquet")
    assert set(saved["parameter"]) == {R1, R2, COST} and len(saved) == 6
    for i in (0, 1, len(runs) - 1):  # same seeds: a run in this process repeats a worker's exactly
        assert run_point([(k, runs.loc[i, k]) for k in (R1, R2, COST)]) == [runs.loc[i, "iq"], runs.loc[i, "elb_stock"]]


def test_morris_screen(toy):
    _d, scen, params = toy
    res = run_sensitivity(SensitivitySpec(scen, params, ["iq", "elb_stock"], "morris", 4, workers=1, quiet=True))
    assert len(res.runs) == 4 * (3 + 1)
    iq, stock = rows(res.table, "iq"), rows(res.table, "elb_stock")
    assert iq.index[0] == R1
    assert iq.loc[COST, "mu_star"] == 0 and stock.loc[COST, "mu_star"] == 0 and stock.loc[COST, "sigma"] == 0
    assert iq.loc[R1, "mu"] > 0  # more integrations, higher IQ
    assert stock.loc[R1, "mu"] < 0 and stock.loc[R2, "mu"] < 0  # faster exits, smaller stock


def test_refuses_unknown_indicator_and_bad_samples(toy, monkeypatch, capsys):
    d, scen, params = toy
    monkeypatch.setattr(cli, "EXTENSIONS", ["calibration.sensitivity"])
    out = str(d / "bad")
    assert (
        cli.main(["sensitivity", scen, "--params", params, "--indicators", "iq,integration_quote", "--out", out]) == 2
    )
    err = capsys.readouterr().err
    assert "--indicators: unknown integration_quote" in err and "lzb_stock" in err
    assert cli.main(["sensitivity", scen, "--params", params, "--samples", "10", "--out", out]) == 2
    assert "power of 2" in capsys.readouterr().err
    (d / "typo.toml").write_text(PARAMS.replace("programmes.idle", "programmes.idel"))
    assert cli.main(["sensitivity", scen, "--params", str(d / "typo.toml"), "--out", out]) == 2
    assert "found no 'idel' under programmes" in capsys.readouterr().err
