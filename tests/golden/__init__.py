"""Golden results: digests of the spells and indicator tables of a few scenarios and seeds,
made by the scalar reference path.

The digests in digests.json were computed with `Model(..., reference=True)` (every
customer made one at a time, every number drawn one at a time) and are checked against the
normal batched path (tests/test_golden.py), also with the CPU's SIMD and FMA features switched
off. A change meant to alter results regenerates them with

    .venv/bin/python -m tests.golden

which recomputes every digest by the reference path, checks the batched path agrees, writes the
file, and prints what changed; commit the new file with the change and say why in the message.
"""

from __future__ import annotations

import json
from pathlib import Path

from simulation import indicators
from simulation.engine.model import Model
from simulation.results import table_digest
from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FILE = HERE / "digests.json"
CASES = {                       # name: (scenario file, years)
    "tiny": ("tests/scenarios/tiny.toml", 1.0),
    "chain": ("tests/golden/chain.toml", 1.0),
    "kassel_half_year": ("scenarios/kassel_2024.toml", 0.5),
}
SEEDS = (1, 2)


def digests(reference: bool, cases=CASES, seeds=SEEDS) -> dict[str, str]:
    """Digest of the spells, monthly and programme_monthly tables of every case and seed, by the
    batched or the reference path."""
    out = {}
    for name, (path, years) in cases.items():
        scenario = load_scenario(ROOT / path).scenario
        for seed in seeds:
            model = Model(scenario, seed, years, reference=reference)
            spells = model.run().spells
            out[f"{name}/seed{seed}/spells"] = table_digest(spells)
            out[f"{name}/seed{seed}/monthly"] = table_digest(indicators.monthly(spells, scenario, model.clock))
            out[f"{name}/seed{seed}/programme_monthly"] = table_digest(
                indicators.programme_monthly(spells, scenario, model.clock))
    return out


def stored() -> dict[str, str]:
    return json.loads(FILE.read_text(encoding="utf-8"))


def main() -> None:
    new = digests(reference=True)
    fast = digests(reference=False)
    differ = [k for k in new if fast[k] != new[k]]
    if differ:
        raise SystemExit(f"the batched path differs from the reference path in {differ}: fix that first")
    old = stored() if FILE.exists() else {}
    FILE.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for k in sorted(new):
        print(f"{k:40s} {'unchanged' if old.get(k) == new[k] else 'CHANGED'}  {new[k][:16]}")
    print(f"written to {FILE.relative_to(ROOT)}")
