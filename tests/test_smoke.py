from simulation.engine.model import simulate
from tests.conftest import mmc_dict, scenario


def test_mmc_runs_and_everyone_goes_through():
    s = scenario(mmc_dict(30, 1.0, places=2))
    out = simulate(s, seed=3)
    prog = out.spells[out.spells["state"] == "programme"]
    assert len(prog) > 250
    assert (prog["start"].dropna() >= prog["waiting_start"][prog["start"].notna()]).all()


def test_residual_durations_far_in_the_tail():
    """A duration already under way far beyond its usual length still has a valid remainder."""
    from simulation.engine import distributions as d

    for dist in (d.Exponential(3.8), d.Lognormal(3.8, 1.0), d.Gamma(3.8, 1.0), d.Weibull(2.0, 3.8)):
        for u in (0.0001, 0.5, 0.9999):
            r = dist.residual(u, 500.0)
            assert r >= 0 and r == r
    assert d.Exponential(3.8).residual(0.5, 500.0) == d.Exponential(3.8).ppf(0.5)  # memoryless
