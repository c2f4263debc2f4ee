"""requirements.lock: every dependency of pyproject.toml pinned within its range, with hashes,
and the environment the tests run in is exactly the locked one (as `make` installs it)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def locked() -> dict[str, str]:
    """Name -> pinned version of every lock entry that applies to this interpreter and platform."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    out = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = entry.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        assert "--hash=sha256:" in entry, f"requirements.lock: {head} has no hash"
        spec, _, marker = head.partition(";")
        name, _, pinned = spec.strip().partition("==")
        assert pinned, f"requirements.lock: {head} is not pinned with =="
        if not marker.strip() or Marker(marker.strip()).evaluate():
            out[canonicalize_name(name)] = pinned.strip()
    return out


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_every_dependency_is_locked_within_its_range():
    pins = locked()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside pyproject.toml's {req.specifier}: run `make lock`"
        )


def test_the_installed_versions_are_the_locked_ones():
    wrong = []
    for name, pinned in locked().items():
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "not installed"
        if have != pinned:
            wrong.append(f"{name} {have} (locked {pinned})")
    assert not wrong, "this environment is not the locked one (make install): " + ", ".join(wrong)
