"""Keep the user documentation honest: it must name every output column and scenario field.

The lists to check against come from the code (a real run of tiny.toml, the pydantic
schema), never from a list written here, so a new column or field fails until documented.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import typing
from pathlib import Path

import pandas as pd
import pytest
from pydantic import BaseModel

from simulation import cli
from simulation.engine.eventlog import STATES
from simulation.scenario import EXIT_KINDS, load_scenario, validate
from simulation.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TINY = ROOT / "tests" / "scenarios" / "tiny.toml"
TABLES = ("spells", "monthly", "programme_monthly")


# --- reading the Markdown ----------------------------------------------------------------


def ticked(text: str) -> list[str]:
    """The `code` spans of a piece of Markdown (fenced code blocks left out)."""
    return re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))


def md_tables(text: str) -> list[dict]:
    """Each table as {'header': [cells], 'rows': [[cells], ...]} (separator lines dropped)."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = {"header": [c.lower() for c in cells], "rows": []}
                tables.append(current)
            elif not all(set(c) <= set("-: ") for c in cells):
                current["rows"].append(cells)
        else:
            current = None
    return tables


def sections(text: str) -> dict[str, str]:
    """Second-level sections (`## heading`) and their text, up to the next one."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def section_about(text: str, filename: str) -> str:
    hits = [body for head, body in sections(text).items() if head.strip("`") == filename]
    assert len(hits) == 1, f"expected one '## `{filename}`' section in docs/outputs.md, found {len(hits)}"
    return hits[0]


def first_cell_names(table: dict) -> set[str]:
    """Names in the first column of a table (placeholders such as `elb_stock_<sex>` left out)."""
    return {t for row in table["rows"] for t in ticked(row[0]) if "<" not in t}


def toml_blocks(text: str) -> list[str]:
    return re.findall(r"^```toml\n(.*?)^```", text, flags=re.M | re.S)


# --- (a) outputs.md names every column and manifest key of a real run --------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docrun") / "tiny"
    assert cli.main(["run", str(TINY), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def outputs_md() -> str:
    return (DOCS / "outputs.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_documented(run_dir, outputs_md, table):
    columns = set(pd.read_parquet(run_dir / f"{table}.parquet").columns)
    body = section_about(outputs_md, f"{table}.parquet")
    column_tables = [t for t in md_tables(body) if t["header"][0] == "column"]
    assert column_tables, f"no '| column | ...' table in the {table}.parquet section"
    documented = set().union(*(first_cell_names(t) for t in column_tables))
    assert columns - documented == set(), f"{table}.parquet columns missing from docs/outputs.md"
    assert documented - columns == set(), f"docs/outputs.md lists {table}.parquet columns a run does not have"


def test_every_manifest_key_is_documented(run_dir, outputs_md):
    keys = set(json.loads((run_dir / "manifest.json").read_text()))
    body = section_about(outputs_md, "manifest.json")
    documented = set().union(*(first_cell_names(t) for t in md_tables(body) if t["header"][0] == "key"))
    assert keys - documented == set(), "manifest keys missing from docs/outputs.md"
    assert documented - keys == set(), "docs/outputs.md lists manifest keys a run does not write"


def test_state_and_fixed_end_reason_values_are_documented(run_dir, outputs_md):
    """Every state category, and every end reason of the run that is not a hazard name."""
    spells = pd.read_parquet(run_dir / "spells.parquet")
    body = set(ticked(section_about(outputs_md, "spells.parquet")))
    assert set(STATES) - body == set()
    assert set(spells["state"].cat.categories) - body == set()
    hazards = set(load_scenario(TINY).scenario.hazards)
    fixed = set(spells["end_reason"].dropna()) - hazards
    assert fixed - body == set(), "end_reason values missing from docs/outputs.md"
    assert set(spells["origin"].cat.categories) - body == set(), "origin values missing from docs/outputs.md"


# --- (b) scenario_format.md documents every field of the schema --------------------------


def models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """The schema's models reachable from `root`, each once."""
    seen: list[type[BaseModel]] = []

    def walk(tp) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in seen:
                seen.append(tp)
                for f in tp.model_fields.values():
                    walk(f.annotation)
            return
        for arg in typing.get_args(tp):
            walk(arg)

    walk(root)
    return seen


def literals(root: type[BaseModel]) -> set[str]:
    """Every fixed word the schema allows (duration kinds, units, `during`, ...)."""
    out: set[str] = set()

    def walk(tp) -> None:
        if typing.get_origin(tp) is typing.Literal:
            out.update(str(a) for a in typing.get_args(tp))
        for arg in typing.get_args(tp):
            walk(arg)

    for m in models(root):
        for f in m.model_fields.values():
            walk(f.annotation)
    return out


def field_names(model: type[BaseModel]) -> dict[str, object]:
    """Field names as written in TOML (aliases such as `in`) -> pydantic FieldInfo."""
    return {f.alias or name: f for name, f in model.model_fields.items()}


@pytest.fixture(scope="module")
def format_md() -> str:
    return (DOCS / "scenario_format.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def field_tables(format_md) -> list[dict]:
    """Tables whose first column is `field`: name -> row cells, and the header."""
    out = []
    for t in md_tables(format_md):
        if t["header"][0] == "field":
            rows = {ticked(r[0])[0]: r for r in t["rows"] if ticked(r[0])}
            out.append({"header": t["header"], "rows": rows})
    return out


def expected_default(info) -> str | float | None:
    """How the default should read at the start of the table's default cell (None: not checked)."""
    if info.is_required():
        return "required"
    d = info.default
    if d is None:
        return "none"
    if isinstance(d, bool):
        return str(d).lower()
    if isinstance(d, (int, float)):
        return float(d)
    if isinstance(d, str):
        return f'"{d}"'
    if d == {}:
        return "{}"
    if d == []:
        return "[]"
    return None  # a table default (e.g. an empty waiting list): described in words


def default_matches(cell: str, expected) -> bool:
    text = cell.replace("`", "").strip().lower()
    if isinstance(expected, float):
        m = re.match(r"-?\d+(\.\d+)?", text)
        return m is not None and float(m.group()) == expected
    return text.startswith(expected)


@pytest.mark.parametrize("model", models(Scenario), ids=lambda m: m.__name__)
def test_every_schema_field_is_in_one_table_with_its_default(field_tables, model):
    """Each part of the scenario has one table listing all its fields, with the right defaults."""
    names = field_names(model)
    fitting = [t for t in field_tables if set(names) <= set(t["rows"])]
    assert fitting, f"no table in docs/scenario_format.md lists all of {sorted(names)}"
    table = min(fitting, key=lambda t: len(t["rows"]))  # the table of this part, not a bigger one
    col = table["header"].index("default")
    for name, info in names.items():
        want = expected_default(info)
        if want is not None:
            cell = table["rows"][name][col]
            assert default_matches(cell, want), f"{model.__name__}.{name}: default cell '{cell}', expected {want!r}"


def test_every_allowed_word_is_documented(format_md):
    words = set(ticked(format_md)) | {w.strip('"') for t in ticked(format_md) for w in re.findall(r'"[^"]+"', t)}
    missing = (literals(Scenario) | set(EXIT_KINDS)) - words
    assert missing == set(), f"allowed values not mentioned in docs/scenario_format.md: {sorted(missing)}"


# --- (c) the examples are valid scenarios -------------------------------------------------


def test_every_toml_block_parses(format_md):
    blocks = toml_blocks(format_md)
    assert blocks
    for block in blocks:
        tomllib.loads(block)


def test_full_scenario_examples_validate(format_md):
    full = [b for b in toml_blocks(format_md) if "time" in tomllib.loads(b)]
    assert full, "docs/scenario_format.md has no complete example scenario"
    for block in full:
        validate(tomllib.loads(block), "docs/scenario_format.md")


def test_variant_examples_validate(format_md, tmp_path):
    """Examples that extend tiny.toml load next to a copy of it."""
    variants = [b for b in toml_blocks(format_md) if tomllib.loads(b).get("extends") == "tiny.toml"]
    assert variants, "docs/scenario_format.md has no variant example extending tiny.toml"
    shutil.copy(TINY, tmp_path / "tiny.toml")
    for i, block in enumerate(variants):
        path = tmp_path / f"variant{i}.toml"
        path.write_text(block, encoding="utf-8")
        load_scenario(path)


# --- links to the code --------------------------------------------------------------------


@pytest.mark.parametrize("doc", ["model.md", "outputs.md", "scenario_format.md"])
def test_code_files_named_in_docs_exist(doc):
    text = (DOCS / doc).read_text(encoding="utf-8")
    named = set(re.findall(r"(?:simulation/)?[\w/]+\.py", " ".join(ticked(text)) + " " + text))
    for name in named:
        path = ROOT / name if name.startswith("simulation/") else ROOT / "simulation" / name
        assert path.is_file(), f"{doc} names {name}, which does not exist"
