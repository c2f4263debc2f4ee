"""Golden results: digests of the spells and indicator tables of a few scenarios and seeds, column by
column, made by the scalar reference path.

Each column has its own digest, so a change says which columns moved, and a column added to a table
(a new indicator) shows as added, not as every number of the table changed.

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
CASES = {  # name: (scenario file, years)
    "tiny": ("tests/scenarios/tiny.toml", 1.0),
    "chain": ("tests/golden/chain.toml", 1.0),
    "households": ("tests/scenarios/tiny_households.toml", 2.0),
    "kassel_half_year": ("scenarios/kassel_2024.toml", 0.5),
}
SEEDS = (1, 2)


def column_digests(df) -> dict[str, str]:
    """A digest per column (the column's name, length and values in the byte form of table_digest)."""
    return {name: table_digest(df[[name]]) for name in df.columns}


def digests(reference: bool, cases=CASES, seeds=SEEDS) -> dict[str, dict[str, str]]:
    """Per column, digests of the spells, monthly and programme_monthly tables of every case and seed, by the
    batched or the reference path."""
    out = {}
    for name, (path, years) in cases.items():
        scenario = load_scenario(ROOT / path).scenario
        for seed in seeds:
            model = Model(scenario, seed, years, reference=reference)
            spells = model.run().spells
            out[f"{name}/seed{seed}/spells"] = column_digests(spells)
            out[f"{name}/seed{seed}/monthly"] = column_digests(indicators.monthly(spells, scenario, model.clock))
            out[f"{name}/seed{seed}/programme_monthly"] = column_digests(
                indicators.programme_monthly(spells, scenario, model.clock)
            )
    return out


def stored() -> dict[str, dict[str, str]]:
    return json.loads(FILE.read_text(encoding="utf-8"))


def compare(got: dict, want: dict) -> tuple[list[str], list[str], list[str]]:
    """(changed, missing, added) columns as 'case/seed/table:column'; tables missing count as missing."""
    changed, missing, added = [], [], []
    for table, cols in want.items():
        have = got.get(table, {})
        for col, digest in cols.items():
            if col not in have:
                missing.append(f"{table}:{col}")
            elif have[col] != digest:
                changed.append(f"{table}:{col}")
        added += [f"{table}:{col}" for col in have if col not in cols]
    return changed, missing, added


def main() -> None:
    new = digests(reference=True)
    fast = digests(reference=False)
    differ = compare(fast, new)
    if any(differ):
        raise SystemExit(f"the batched path differs from the reference path in {differ}: fix that first")
    old = {k: v for k, v in (stored() if FILE.exists() else {}).items() if isinstance(v, dict)}  # per column
    FILE.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    changed, missing, added = compare(new, old)
    for k in sorted(new):
        moved = [c.split(":", 1)[1] for c in changed if c.startswith(k + ":")]
        new_cols = [c.split(":", 1)[1] for c in added if c.startswith(k + ":")]
        print(
            f"{k:40s} "
            + (
                "unchanged"
                if not moved and not new_cols
                else f"changed: {moved}" * bool(moved) + f" added: {new_cols}" * bool(new_cols)
            )
        )
    if missing:
        print(f"no longer there: {missing}")
    print(f"written to {FILE.relative_to(ROOT)}")
