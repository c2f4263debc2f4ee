from simulation.model import simulate
from tests.conftest import mmc_dict, scenario


def test_mmc_runs_and_everyone_goes_through():
    s = scenario(mmc_dict(30, 1.0, places=2))
    out = simulate(s, seed=3)
    prog = out.spells[out.spells["state"] == "programme"]
    assert len(prog) > 250
    assert (prog["start"].dropna() >= prog["waiting_start"][prog["start"].notna()]).all()
