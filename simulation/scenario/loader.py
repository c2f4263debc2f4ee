"""Read a scenario file: TOML, with `extends` resolved, validated into a `Scenario`."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from .checks import check
from .schema import Scenario


def read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's content with `extends = "base.toml"` merged in (tables merge, other values replace)."""
    if path in chain:
        raise ScenarioError(str(chain[0]), [("extends", f"circular: {' -> '.join(map(str, chain + (path,)))}")])
    if not path.is_file():
        where = str(chain[-1]) if chain else str(path)
        field = "extends" if chain else ""
        raise ScenarioError(where, [(field, f"expected an existing scenario file, found no file at '{path}'")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError(str(path), [("", f"expected a TOML file, found a syntax error: {e}")]) from None
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(str(path), [("extends", f"expected a file name, found {base!r}")])
    return merge(read_toml((path.parent / base).resolve(), chain + (path,)), data)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _path(loc: tuple) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif p in {"function-after", "tagged-union"} or str(p).startswith(("function-", "union[")):
            continue
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    out, seen = [], set()
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x in {"str", "list[str]", "Test", "float", "int"}))
        path = _path(loc)
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; unknown keys are not ignored)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        else:
            msg = f"{e['msg']}, found {e.get('input')!r}"
        if (path, msg) not in seen:
            seen.add((path, msg))
            out.append((path, msg))
    return out


def load_scenario(path: str | Path) -> "LoadedScenario":
    """Load, resolve and validate a scenario file; raise ScenarioError on any problem."""
    path = Path(path)
    data = read_toml(path.resolve() if path.exists() else path)
    return LoadedScenario(path=str(path), scenario=validate(data, str(path)), resolved=data)


def validate(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """A validated Scenario from already-parsed content (a TOML file's, or built in code)."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(source, _problems(e)) from None
    problems = check(scenario)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


class LoadedScenario:
    """A validated scenario with the resolved file content it came from (for the manifest)."""

    def __init__(self, path: str, scenario: Scenario, resolved: dict[str, Any]) -> None:
        self.path = path
        self.scenario = scenario
        self.resolved = resolved

    @property
    def resolved_json(self) -> str:
        return json.dumps(self.resolved, sort_keys=True, default=str)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.resolved_json.encode()).hexdigest()
