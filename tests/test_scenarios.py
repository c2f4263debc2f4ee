"""The shipped scenarios: every file validates, and the baseline and its variants run."""

from pathlib import Path

import pytest

from simulation.engine.model import simulate
from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").rglob("*.toml"))


def test_there_is_a_baseline_and_variants():
    names = {f.relative_to(ROOT / "scenarios").as_posix() for f in FILES}
    assert "kassel_2024.toml" in names
    assert len([n for n in names if n.startswith("variants/")]) >= 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_validates(path):
    loaded = load_scenario(path)
    assert loaded.scenario.programmes, "a job centre scenario has programmes"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_two_months_run_and_keep_the_stock(path):
    """Two months of each scenario: nobody lost, the stock stays near its day-one size."""
    loaded = load_scenario(path)
    s = loaded.scenario
    out = simulate(s, seed=1, years=2 / 12)
    spells = out.spells
    assert spells["person_id"].nunique() == out.customers
    assert out.customers >= s.population.initial.size
    in_benefit_end = spells[(spells["end_reason"] == "censored") & ~spells["state"].isin(["exit", "alongside"])]
    assert 0.8 * s.population.initial.size < len(in_benefit_end) < 1.25 * s.population.initial.size
