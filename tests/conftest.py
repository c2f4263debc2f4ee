"""Shared builders: small scenarios as plain dicts, validated like files."""

from __future__ import annotations

import copy

import pytest

from simulation.scenario import validate

BASE = {
    "name": "test",
    "time": {"start": "2024-01-01", "years": 1},
    "attributes": {"sex": ["female", "male"]},
    "population": {
        "common": {"sex": {"female": 0.5, "male": 0.5}},
        "segments": {"all": {}},
        "initial": {"size": 0, "segments": {"all": 1.0}},
    },
}


def merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def mmc_dict(arrivals_per_month: float, mean_months: float, places: int | None, years: float = 1, **programme) -> dict:
    """Poisson arrivals into one programme with exponential durations and `places` seats; then exit."""
    prog = {"duration": {"dist": "exponential", "mean": mean_months}, **programme}
    if places is not None:
        prog["places"] = places
    return merge(
        BASE,
        {
            "time": {"years": years},
            "population": {"inflow": {"per_month": arrivals_per_month, "segments": {"all": 1.0}}},
            "programmes": {"p": prog},
            "routes": {
                "entry": [{"options": [{"to": "programme:p", "probability": 1}]}],
                "p": [{"options": [{"to": "exit:other", "probability": 1}]}],
            },
        },
    )


def scenario(data: dict):
    return validate(data, "<test>")


@pytest.fixture
def base_dict() -> dict:
    return copy.deepcopy(BASE)
