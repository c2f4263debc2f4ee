"""The indicator registry: every entry has a function that computes exactly its declared columns,
monthly() is the loop over the entries (a new one needs no edit of monthly()), and the indicator
modules import one another only at the top and without a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation import summary
from simulation.engine.clock import Clock
from simulation.indicators import monthly, registry
from simulation.indicators.prepared import Prepared
from simulation.report import figures
from simulation.run import replicate
from simulation.scenario import EXIT_KINDS, load_scenario
from simulation.scenario.schema import HOUSEHOLD_TYPES, INTEGRATION_KINDS
from tests import test_kennzahlen as hand

ROOT = Path(__file__).resolve().parent.parent
INDICATORS_DIR = ROOT / "simulation" / "indicators"
LEVELS = {"exit_kind": EXIT_KINDS, "integration_kind": INTEGRATION_KINDS, "household_type": HOUSEHOLD_TYPES}


@pytest.fixture(scope="module")
def tiny():
    """A simulated run of tiny.toml over two years (no [indicators] marks)."""
    loaded = load_scenario(ROOT / "tests" / "scenarios" / "tiny.toml")
    rep = replicate(loaded, 2, 2)
    return rep.run.spells, loaded.scenario, Clock(loaded.scenario.time.start, 2)


@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    """The hand-made spells of test_kennzahlen with marginal, public employment and single parents marked."""
    f = tmp_path_factory.mktemp("marked") / "hand.toml"
    f.write_text(hand.SCENARIO + hand.MARKED, encoding="utf-8")
    sc = load_scenario(f).scenario
    return hand.spells(), sc, Clock(sc.time.start, sc.time.years)


@pytest.fixture(params=["tiny", "marked"])
def case(request):
    return request.getfixturevalue(request.param)


def declared(ind: registry.Indicator, sexes) -> set[str]:
    """An entry's columns from its `by`, worked out here: its own, one per kind, one per sex level."""
    cols = {ind.name}
    for b in ind.by:
        cols |= {f"{ind.name}_{level}" for level in (sexes if b == "sex" else LEVELS[b])}
    return cols


def test_every_indicator_has_a_function_that_returns_exactly_its_columns(case):
    spells, sc, clock = case
    p = Prepared(spells, sc, clock)
    for ind in registry.INDICATORS:
        assert callable(ind.compute), f"{ind.name}: no function"
        got = ind.compute(p, ind)
        assert set(got) == declared(ind, p.sexes) == set(ind.columns(p.sexes)), ind.name
        for name, values in got.items():
            assert np.asarray(values).shape == (p.n,), name
        p.cols.update(got)


def test_monthly_has_the_registry_columns_in_order(case):
    spells, sc, clock = case
    mo = monthly(spells, sc, clock)
    sexes = list(sc.attributes["sex"])
    cols = registry.columns(sexes)
    assert list(mo.columns) == ["month"] + cols
    assert len(cols) == len(set(cols))
    assert set(cols) == set().union(*(declared(ind, sexes) for ind in registry.INDICATORS))
    # each entry's own column in registry order; the flows by sex after lzb_share, where they always were
    own = [c for c in cols if c in registry.BY_NAME]
    assert own == [ind.name for ind in registry.INDICATORS]
    after = cols[cols.index("lzb_share") + 1 :][: 2 * len(sexes)]
    assert after == [f"inflows_{sx}" for sx in sexes] + [f"outflows_{sx}" for sx in sexes]


def _snapshot(monkeypatch) -> None:
    """Restore the registry after the test (register changes these)."""
    for attr in ("INDICATORS", "BY_NAME", "HEADLINE", "_LONGEST_FIRST"):
        monkeypatch.setattr(registry, attr, getattr(registry, attr))


def test_a_toy_indicator_registered_in_a_test_appears_in_monthly(tiny, monkeypatch):
    spells, sc, clock = tiny
    before = monthly(spells, sc, clock)
    _snapshot(monkeypatch)

    def benefit_entries(p: Prepared, ind) -> dict:
        """Benefit spells begun per month (all and by sex), from the prepared spells."""
        m = np.searchsorted(p.edges, p.enter, side="right") - 1
        ok = (m >= 0) & (m < p.n)
        rows = [np.bincount(m[ok], minlength=p.n)] + [
            np.bincount(m[ok & (p.sex == j)], minlength=p.n) for j in range(p.ns)
        ]
        return p.per_sex(ind.name, rows)

    def per_stock(p: Prepared, ind) -> dict:  # built on the toy column and a stock before it
        return {ind.name: p.col(ind.num) / p.col(ind.den)}

    registry.register(
        registry.Indicator(
            "toy_entries", "", "Toy entries", "Spielzeug-Eintritte", "persons", registry.SUM, compute=benefit_entries
        )
    )
    registry.register(
        registry.Indicator(
            "toy_share",
            "",
            "Toy share",
            "Spielzeug-Anteil",
            "share",
            registry.RATIO,
            (),
            num="toy_entries",
            den="elb_stock",
            compute=per_stock,
        )
    )
    mo = monthly(spells, sc, clock)

    sexes = list(sc.attributes["sex"])
    toy = ["toy_entries"] + [f"toy_entries_{sx}" for sx in sexes] + ["toy_share"]
    assert list(mo.columns) == list(before.columns) + toy
    pd.testing.assert_frame_equal(mo[before.columns], before)  # the rest untouched
    ben = spells[~spells["state"].isin(["exit", "alongside"])]
    enter = ben["waiting_start"].fillna(ben["start"]).to_numpy(float)
    edges = np.asarray(clock.month_edges())
    by_hand = [((edges[m] <= enter) & (enter < edges[m + 1])).sum() for m in range(len(edges) - 1)]
    assert mo["toy_entries"].tolist() == by_hand and sum(by_hand) > 0
    assert (mo[[f"toy_entries_{sx}" for sx in sexes]].sum(axis=1) == mo["toy_entries"]).all()
    assert np.allclose(mo["toy_share"], mo["toy_entries"] / mo["elb_stock"])
    assert registry.lookup("toy_entries_female") == (registry.BY_NAME["toy_entries"], "_female")
    assert registry.ratio_parts("toy_share") == ("toy_entries", "elb_stock")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(registry.BY_NAME["toy_share"])


def test_an_indicator_returning_other_columns_than_declared_is_refused(tiny, monkeypatch):
    spells, sc, clock = tiny
    _snapshot(monkeypatch)
    registry.register(
        registry.Indicator(
            "toy_wrong",
            "",
            "Toy",
            "Spielzeug",
            "persons",
            registry.SUM,
            compute=lambda p, ind: {ind.name: np.zeros(p.n)},
        )
    )  # no by-sex columns
    with pytest.raises(ValueError, match="toy_wrong"):
        monthly(spells, sc, clock)


def test_headline_lists_come_from_the_registry():
    assert registry.HEADLINE == ("elb_stock", "integrations", "iq", "lzb_stock", "lzb_share")
    assert all(registry.BY_NAME[n].headline for n in registry.HEADLINE)
    assert figures.HEADLINE == list(registry.HEADLINE)
    assert [name for name, _, _ in summary.headline()] == list(registry.HEADLINE)


# --- imports: no cycle, none hidden inside functions ---------------------------------------


def _module_imports(path: Path) -> tuple[set[str], set[str]]:
    """The simulation.indicators modules a file imports at the top, and inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    siblings = {f.stem for f in INDICATORS_DIR.glob("*.py")}

    def targets(node) -> set[str]:
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from . import x / from .x import y
                return {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            if node.level == 0 and (node.module or "").startswith("simulation.indicators"):
                rest = node.module.split(".")[2:]
                return {rest[0]} if rest else {a.name for a in node.names}
        if isinstance(node, ast.Import):
            return {a.name.split(".")[2] for a in node.names if a.name.startswith("simulation.indicators.")}
        return set()

    top, inner = set(), set()
    for node in tree.body:
        top |= targets(node)
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                inner |= targets(node)
    return top & siblings, inner & siblings


def test_indicator_modules_import_each_other_at_the_top_only_and_without_a_cycle():
    graph = {}
    for path in sorted(INDICATORS_DIR.glob("*.py")):
        top, inner = _module_imports(path)
        assert not inner, f"{path.name} imports {sorted(inner)} inside a function"
        graph[path.stem] = top - {path.stem}
    assert "compute" not in graph["kennzahlen"] and "kennzahlen" not in graph["compute"]
    done, visiting = set(), []

    def visit(m):
        assert m not in visiting, f"import cycle: {' -> '.join(visiting + [m])}"
        if m in done:
            return
        visiting.append(m)
        for n in graph.get(m, ()):
            visit(n)
        visiting.pop()
        done.add(m)

    for m in graph:
        visit(m)


@pytest.mark.parametrize("module", ["kennzahlen", "core", "prepared", "registry", "compute"])
def test_each_indicator_module_imports_alone(module):
    code = f"import simulation.indicators.{module} as m; print(m.__name__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"simulation.indicators.{module}"
