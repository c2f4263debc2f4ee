"""What a batch runs: one job per scenario and replication, each with its own seed."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from ..scenario import load_scenario


def replication_seed(master_seed: int, replication: int) -> int:
    """Seed of replication k: the same for every scenario of a batch (common random numbers)."""
    return int(np.random.SeedSequence(master_seed, spawn_key=(replication,)).generate_state(1, np.uint64)[0])


@dataclass(frozen=True)
class Job:
    scenario: str  # short name, unique within the batch
    scenario_path: str
    resolved: dict  # the validated, resolved scenario content (data, never code)
    replication: int  # 1-based
    seed: int
    years: float
    keep_spells: bool = True
    overrides: tuple = ()  # (dotted field path, value) pairs, e.g. posterior draws


@dataclass(frozen=True)
class ScenarioRef:
    name: str
    path: str
    resolved: dict
    sha256: str


def scenario_refs(paths: list[str]) -> list[ScenarioRef]:
    """Load and validate every scenario up front: a bad file stops the batch before anything runs."""
    refs, names = [], set()
    for p in paths:
        loaded = load_scenario(p)
        for line in loaded.warning_lines():
            print(line, file=sys.stderr)
        name = Path(p).stem
        if name in names:
            raise ScenarioError(p, [("", f"two scenarios of the batch are named '{name}'; rename one file")])
        names.add(name)
        refs.append(ScenarioRef(name, str(p), loaded.resolved, loaded.sha256))
    return refs


def jobs_for(
    ref: ScenarioRef, replications: range, master_seed: int, years: float, keep_spells: bool = True, overrides_for=None
) -> list[Job]:
    return [
        Job(
            ref.name,
            ref.path,
            ref.resolved,
            k,
            replication_seed(master_seed, k),
            years,
            keep_spells,
            tuple(overrides_for(k)) if overrides_for else (),
        )
        for k in replications
    ]
