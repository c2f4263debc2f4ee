"""Read a scenario file: TOML, with `extends` resolved, validated into a `Scenario`."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError, shorten
from .checks import check, warnings
from .schema import DIST_TAGS, DURATION_FORMS, TIMED_TAGS, Scenario

MAX_EXTENDS = 20  # files in one chain of `extends` (a variant of a variant of ... a base)
MAX_FILE_BYTES = 10 * 2**20  # a scenario file is a few kB; more is not a scenario


def read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's content with `extends = "base.toml"` merged in (tables merge, other values replace).

    A base file's problems are reported at the `extends` field of the file that names it."""
    where = str(chain[-1]) if chain else str(path)
    field = "extends" if chain else ""
    if path in chain:
        raise ScenarioError(str(chain[0]), [("extends", f"circular: {' -> '.join(map(str, chain + (path,)))}")])
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            str(chain[0]),
            [("extends", f"expected at most {MAX_EXTENDS} files in a chain of extends, found more (via {chain[-1]})")],
        )
    if not path.is_file():
        raise ScenarioError(where, [(field, f"expected an existing scenario file, found no file at '{path}'")])
    if chain and path.suffix != ".toml":
        raise ScenarioError(where, [(field, f"expected a scenario file ending in .toml, found '{path}'")])
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                where,
                [
                    (
                        field,
                        f"expected a scenario file of at most {MAX_FILE_BYTES // 2**20} MB, "
                        f"found {path.stat().st_size / 2**20:.0f} MB in '{path}'",
                    )
                ],
            )
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")  # a byte-order mark is not content
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        found = f"a syntax error in '{path}'" if chain else "a syntax error"
        raise ScenarioError(where, [(field, f"expected a TOML file, found {found}: {shorten(str(e))}")]) from None
    except RecursionError:
        raise ScenarioError(
            where, [(field, f"expected a TOML file, found tables or arrays nested too deep in '{path}'")]
        ) from None
    except OSError as e:
        raise ScenarioError(
            where, [(field, f"expected a readable scenario file, found '{path}' unreadable ({e.strerror})")]
        ) from None
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ScenarioError(str(path), [("extends", f"expected a file name, found {shorten(repr(base))}")])
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
        if i and loc[i - 1] == "duration" and x in DURATION_FORMS:  # a programme's duration: one or rules
            continue
        if (
            i
            and isinstance(x, str)
            and x in DIST_TAGS
            and (
                loc[i - 1] in DURATION_FIELDS
                or (loc[i - 1] == DURATION_FORMS[0] and i > 1 and loc[i - 2] == "duration")
            )
        ):
            continue
        if i and x in TIMED_TAGS and isinstance(loc[i - 1], str):  # the branch of a value over time
            continue
        out.append(x)
    return out


def _path(loc) -> str:
    parts: list[str] = []
    for p in loc:
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
    return "".join(parts)


def _found(value: Any) -> str:
    """The value found, cut; tables or arrays nested too deep to print are named instead."""
    try:
        return shorten(repr(value))
    except RecursionError:
        return "tables or arrays nested too deep"


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
            msg = f"expected one of {ctx.get('expected_tags')}, found {shorten(repr(ctx.get('tag')))}"
        elif kind == "union_tag_not_found":
            loc.append("dist")
            msg = f"required: the kind of distribution, one of {', '.join(repr(t) for t in DIST_TAGS)}"
        elif kind == "value_error":
            msg = shorten(str(e["msg"]).removeprefix("Value error, "), 400)  # our validators say expected and found
        else:
            found = e.get("input")
            found = found.isoformat() if hasattr(found, "isoformat") else found
            msg = f"{e['msg'][0].lower()}{e['msg'][1:]}, found {_found(found)}"
            if kind in ("float_type", "int_type") and isinstance(found, str):
                msg += " (a number is written without quotes)"
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
    except RecursionError:
        raise ScenarioError(source, [("", "expected a scenario, found tables or arrays nested too deep")]) from None
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
        self.warnings = warnings(scenario)  # (field, message): valid, but perhaps not what was meant

    def warning_lines(self) -> list[str]:
        """The warnings as `jobpath` prints them, one a line: 'warning: FILE: FIELD: MESSAGE'."""
        return [f"warning: {self.path}: {path}: {msg}" for path, msg in self.warnings]

    @property
    def resolved_json(self) -> str:
        return json.dumps(self.resolved, sort_keys=True, default=str)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.resolved_json.encode()).hexdigest()
