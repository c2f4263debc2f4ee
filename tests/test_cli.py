"""The `jobpath` command as a user runs it: bad input exits 2 with a readable message and writes
nothing; a good run writes its tables and manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TINY = "tests/scenarios/tiny.toml"
BROKEN = "tests/scenarios/broken"


def jobpath(*args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    """Run the command from the project root, as in the README."""
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def assert_clean_refusal(res: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, the fragments on stderr, no traceback."""
    assert res.returncode == 2, res.stderr
    for f in fragments:
        assert f in res.stderr, f"{f!r} not in {res.stderr!r}"
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout


@pytest.mark.parametrize(
    "file, field",
    [
        ("wrong_type_places.toml", "programmes.course.places"),
        ("unknown_key_nested.toml", "programmes.coaching.duraton"),
        ("route_probabilities.toml", "routes.course[0].options"),
        ("no_exit_loop.toml", "routes/hazards"),
        ("not_toml.toml", "(file)"),
        ("circular_a.toml", "extends"),
        ("does_not_exist.toml", "(file)"),
    ],
)
def test_run_refuses_broken_file_and_writes_nothing(tmp_path, file, field):
    parent = tmp_path / "results"
    parent.mkdir()
    res = jobpath("run", f"{BROKEN}/{file}", "--seed", "3", "--out", str(parent / "out"), "--quiet")
    assert_clean_refusal(res, file, f"  {field}: ")
    assert list(parent.iterdir()) == []  # no output directory, no temporary directory left behind


def test_run_refusal_leaves_existing_results_alone(tmp_path):
    """A failed run must not replace or damage the results of an earlier one."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    res = jobpath("run", f"{BROKEN}/negative_places.toml", "--out", str(out), "--quiet")
    assert_clean_refusal(res, "negative_places.toml", "programmes.course.places")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == ["manifest.json"] and (out / "manifest.json").read_text() == "{}"


@pytest.mark.parametrize("years", ["0", "-1", "51", "0.01"])
def test_run_refuses_years_out_of_range(tmp_path, years):
    res = jobpath("run", TINY, f"--years={years}", "--out", str(tmp_path / "out"), "--quiet")
    assert_clean_refusal(res, "--years", "from 1/12 (one month) to 50")
    assert list(tmp_path.iterdir()) == []


def test_validate_good_and_bad():
    good = jobpath("validate", TINY, "tests/scenarios/variant_tiny.toml")
    assert good.returncode == 0, good.stderr
    assert f"{TINY}: valid" in good.stdout and "variant_tiny.toml: valid" in good.stdout
    bad = jobpath("validate", f"{BROKEN}/unknown_level.toml")
    assert_clean_refusal(bad, "unknown_level.toml", "programmes.course.eligible.german_level", "found 'A9'")


def test_run_writes_tables_and_manifest(tmp_path):
    parent = tmp_path / "results"
    out = parent / "tiny"
    res = jobpath("run", TINY, "--seed", "3", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in parent.iterdir()) == ["tiny"]  # no temporary directory left behind
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "monthly.parquet",
        "programme_monthly.parquet",
        "spells.parquet",
    ]

    m = json.loads((out / "manifest.json").read_text())
    loaded = load_scenario(ROOT / TINY)
    assert m["seed"] == 3
    assert m["jobpath_version"] == version("jobpath")
    assert m["scenario_file_sha256"] == hashlib.sha256((ROOT / TINY).read_bytes()).hexdigest()
    assert (
        m["scenario_resolved_sha256"] == hashlib.sha256(json.dumps(m["scenario"], sort_keys=True).encode()).hexdigest()
    )
    assert m["scenario_resolved_sha256"] == loaded.sha256
    assert m["event_count"] > 0

    spells = pd.read_parquet(out / "spells.parquet")
    monthly = pd.read_parquet(out / "monthly.parquet")
    prog = pd.read_parquet(out / "programme_monthly.parquet")
    months = round(12 * loaded.scenario.time.years)
    assert m["spells"] == len(spells) > 0
    assert m["customers"] == spells["person_id"].nunique()
    assert len(monthly) == months
    assert len(prog) == months * len(loaded.scenario.programmes)
    assert set(prog["programme"]) == set(loaded.scenario.programmes)


def test_results_directory_follows_umask(tmp_path):
    out = tmp_path / "out"
    res = jobpath("run", TINY, "--years", "0.25", "--out", str(out), "--quiet", umask=0o022)
    assert res.returncode == 0, res.stderr
    assert out.stat().st_mode & 0o777 == 0o755


def test_help_is_quick_and_imports_nothing_heavy():
    exe = shutil.which("jobpath")
    cmd = [exe] if exe else [sys.executable, "-m", "simulation.cli"]
    t0 = time.perf_counter()
    res = subprocess.run([*cmd, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - t0
    assert res.returncode == 0 and "run" in res.stdout and "validate" in res.stdout
    assert elapsed < 5, elapsed  # generous: the machine is shared; the import check below is the strict one
    probe = (
        "import sys\nfrom simulation import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('heavy:', *(m for m in ('pandas', 'numpy', 'simpy', 'scipy', 'pyarrow', 'pydantic', 'tqdm') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[-1] == "heavy:", loaded.stdout
