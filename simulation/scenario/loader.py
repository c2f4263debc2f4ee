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
from .schema import DIST_TAGS, TIMED_TAGS, Scenario


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
    """Tables merge key by key; other values, and a duration given anew (with `dist`), replace."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


DURATION_FIELDS = {"duration", "gap", "patience", "elapsed", "waited", "months_in_benefit"}
UNION_MEMBERS = {"str", "list[str]", "Test", "float", "int", "constrained-str", "date"}


def _clean_loc(loc: tuple) -> list:
    """Drop pydantic's internal steps from a location: union members and the `dist` tag of a duration."""
    out: list = []
    for i, x in enumerate(loc):
        if isinstance(x, str) and (x in UNION_MEMBERS or x.startswith(("function-", "union[", "tagged-union"))):
            continue
        if i and loc[i - 1] in DURATION_FIELDS and isinstance(x, str) and x in DIST_TAGS:
            continue
        if i and x in TIMED_TAGS and isinstance(loc[i - 1], str):   # the branch of a value over time
            continue
        out.append(x)
    return out


def _path(loc) -> str:
    parts: list[str] = []
    for p in loc:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts)


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    out, seen = [], set()
    for e in err.errors():
        loc = _clean_loc(e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = "unknown key (check the spelling; unknown keys are not ignored)"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "union_tag_invalid":
            ctx = e.get("ctx", {})
            loc.append(ctx.get("discriminator", "dist").strip("'"))
            msg = f"expected one of {ctx.get('expected_tags')}, found {ctx.get('tag')!r}"
        elif kind == "union_tag_not_found":
            loc.append("dist")
            msg = f"required: the kind of distribution, one of {', '.join(repr(t) for t in DIST_TAGS)}"
        elif kind == "value_error":
            msg = str(e["msg"]).removeprefix("Value error, ")   # our own validators say expected and found
        else:
            found = e.get("input")
            found = found.isoformat() if hasattr(found, "isoformat") else found
            msg = f"{e['msg'][0].lower()}{e['msg'][1:]}, found {found!r}"
        path = _path(loc)
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
