"""The shape of the code that a newcomer relies on: one vocabulary of states, capacity as gates, a true map."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "simulation" / "engine"


def _modules(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


@pytest.mark.parametrize("path", _modules(ENGINE), ids=lambda p: str(p.relative_to(ENGINE)))
def test_the_engine_does_not_import_the_validator(path):
    assert not any("scenario.checks" in m for m in _imports(path)), path


@pytest.mark.parametrize("path", _modules(ENGINE), ids=lambda p: str(p.relative_to(ENGINE)))
def test_the_engine_spells_state_names_from_the_vocabulary(path):
    """No string in the engine starts a hazard state or target by hand ('waiting:', 'programme:', 'exit:')."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    literal = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.startswith(("waiting:", "programme:", "exit:"))
    ]
    assert literal == [], f"{path.name}: {literal} (use simulation/states.py)"


GATE_METHODS = ("room", "room_for", "take", "give_back", "set", "new_year")


@pytest.mark.parametrize("name", ["Places", "Quota", "Money", "PoolPlaces", "Reserved"])
def test_every_gate_has_the_one_interface(name):
    from simulation.engine import capacity

    cls = getattr(capacity, name)
    assert all(callable(getattr(cls, m, None)) for m in GATE_METHODS), name


def test_the_model_map_names_symbols_that_exist():
    """Every `module.Symbol` or `Class.method` named in docs/model.md's map of the engine exists."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z]\w+)\.(\w+)`", text))
    assert named, "docs/model.md names no Class.method"
    import simulation.engine.capacity as capacity
    import simulation.engine.programme as programme

    where = {
        "Programme": programme.Programme,
        "WaitingList": capacity.WaitingList,
        "Pool": capacity.Pool,
        "Budget": capacity.Budget,
    }
    for cls, attr in named:
        if cls in where:
            assert hasattr(where[cls], attr), f"docs/model.md names {cls}.{attr}, which does not exist"
    for mod in ("simulation.states", "simulation.engine.simpy_compat", "simulation.engine.capacity.plan"):
        importlib.import_module(mod)


PLAN_KEYS = ("places", "entries_per_year", "per_year", "staff", "cost_per_month")


@pytest.mark.parametrize("module", ["figures.py", "tables.py", "build.py"])
def test_the_report_reads_plans_through_the_validated_scenario(module):
    """No plan value (places, quotas, money, staff, cost) is read from a raw scenario dict in the report: those go
    through Results.plan (the validated scenario) and Timeline, as the engine reads them."""
    text = (ROOT / "simulation" / "report" / module).read_text(encoding="utf-8")
    raw = [k for k in PLAN_KEYS if re.search(rf"""(\.get\(|\[)["']{k}["']""", text)]
    assert raw == [], f"simulation/report/{module} reads {raw} from a dict"


def test_results_plan_is_the_validated_scenario(tmp_path):
    from simulation.report.data import Results
    from simulation.scenario.loader import read_toml

    content = read_toml((ROOT / "tests/scenarios/tiny_plans.toml").resolve())
    res = Results(tmp_path, "run", ["tiny_plans"], None, contents={"tiny_plans": content})
    sc, clock = res.plan("tiny_plans")
    assert sc.programmes["coaching"].places[1].value == 15 and clock.start.isoformat() == "2024-01-01"
    assert Results(tmp_path, "run", ["x"], None).plan("x") is None
