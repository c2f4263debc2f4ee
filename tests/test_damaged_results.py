"""Damaged or foreign result files are never trusted.

Each kind of result file is damaged in turn (truncated, bytes flipped, a documented column
dropped): `jobpath report` and the reading of `jobpath compare` refuse it with the file (and the
column) named and exit code 2; `--resume` runs the damaged replication again and ends with the
files of an undamaged batch, bit for bit. Records that are not JSON are refused with their name.
Results of a version without checksums are accepted with a warning. A batch locks its folder
against a second one; a write that fails (a full disk) names its file and leaves nothing that
blocks using the folder again.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from simulation.cli import main
from simulation.integrity import RUNS_COLUMNS, DamagedResults, expected_columns

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.toml"
VARIANT = ROOT / "tests" / "scenarios" / "variant_tiny.toml"
COMMON = ["-n", "2", "--years", "0.25", "--workers", "1", "--quiet"]
TIMING = ["seconds", "sim_seconds"]  # runs columns that differ between two runs of a replication
DROP = {
    "runs": "customers",
    "monthly": "iq",
    "programme_monthly": "cost",
    "spells": "end_reason",
    "summary": "ci_low",
    "comparison": "diff_mean",
}  # a documented column of each table


def compare_args(out: Path, *extra: str) -> list[str]:
    return ["compare", str(TINY), str(VARIANT), *COMMON, "--out", str(out), *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An undamaged compare (tiny and its variant, 2 replications of 3 months): two scenarios, every table."""
    out = tmp_path_factory.mktemp("ref") / "cmp"
    assert main(compare_args(out)) == 0
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["run", str(TINY), "--years", "0.25", "--out", str(out), "--quiet"]) == 0
    return out


def copy_of(folder: Path, tmp_path: Path) -> Path:
    dst = tmp_path / folder.name
    shutil.copytree(folder, dst)
    for f in dst.glob("report*.html"):
        f.unlink()
    return dst


def damage(f: Path, how: str) -> str | None:
    """Damage a file in place; returns the column dropped (for 'drop')."""
    if how == "truncate":
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    elif how == "flip":  # 8 bytes in the middle of the largest column's data
        meta = pq.ParquetFile(f).metadata.row_group(0)
        col = max((meta.column(i) for i in range(meta.num_columns)), key=lambda c: c.total_compressed_size)
        start = col.dictionary_page_offset or col.data_page_offset
        at = start + col.total_compressed_size // 2
        data = bytearray(f.read_bytes())
        data[at : at + 8] = bytes(b ^ 0xFF for b in data[at : at + 8])
        f.write_bytes(bytes(data))
    elif how == "drop":
        table = f.stem if f.stem in DROP else f.parent.parent.name
        pd.read_parquet(f).drop(columns=DROP[table]).to_parquet(f, index=False)
        return DROP[table]
    return None


def assert_refused(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and len(err) < 4000, err
    for part in fragments:
        assert part in err, f"{part!r} not in {err!r}"


def assert_same_results(out: Path, ref: Path) -> None:
    """Every per-replication file, the summary and the comparison as in the reference, bit for bit (runs:
    the same values but for wall times)."""
    files = sorted(str(p.relative_to(ref)) for p in ref.glob("*/*/rep-*.parquet"))
    assert sorted(str(p.relative_to(out)) for p in out.glob("*/*/rep-*.parquet")) == files
    for rel in files:
        if rel.startswith("runs/"):
            assert_frame_equal(
                pd.read_parquet(out / rel).drop(columns=TIMING),
                pd.read_parquet(ref / rel).drop(columns=TIMING),
                check_exact=True,
                obj=rel,
            )
        else:
            assert (out / rel).read_bytes() == (ref / rel).read_bytes(), rel
    for name in ("summary.parquet", "comparison.parquet"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert not list(out.rglob("*.tmp"))


BATCH_FILES = [
    "runs/variant_tiny/rep-0002.parquet",
    "monthly/tiny/rep-0002.parquet",
    "programme_monthly/variant_tiny/rep-0001.parquet",
    "spells/tiny/rep-0001.parquet",
    "summary.parquet",
    "comparison.parquet",
]
HOW = ["truncate", "flip", "drop"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("rel", BATCH_FILES)
def test_report_refuses_a_damaged_batch_file(reference, tmp_path, capsys, rel, how):
    out = copy_of(reference, tmp_path)
    column = damage(out / rel, how)
    capsys.readouterr()
    code = main(["report", str(out), "--quiet"])
    assert_refused(code, capsys.readouterr().err, str(out / rel), *([f"'{column}'"] if column else []))
    assert not (out / "report.html").exists()


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("table", ["monthly", "programme_monthly", "spells"])
def test_report_refuses_a_damaged_run_file(run_dir, tmp_path, capsys, table, how):
    out = copy_of(run_dir, tmp_path)
    f = out / f"{table}.parquet"
    if how == "drop":
        column = {"monthly": "elb_stock_female", "programme_monthly": "waiting", "spells": "sex"}[table]
        pd.read_parquet(f).drop(columns=column).to_parquet(f, index=False)
    else:
        column = damage(f, how)
    capsys.readouterr()
    code = main(["report", str(out), "--quiet"])
    assert_refused(code, capsys.readouterr().err, str(f), *([f"'{column}'"] if column else []))


@pytest.mark.parametrize("record", ["manifest.json", "batch.json", "precision.json", "checksums/tiny/rep-0001.json"])
def test_a_record_that_is_not_json_is_refused_with_its_name(reference, run_dir, tmp_path, capsys, record):
    if record == "precision.json":
        out = tmp_path / "prec"
        assert main(["batch", str(TINY), *COMMON, "--precision", "0.5", "--out", str(out)]) == 0
    else:
        out = copy_of(run_dir if record == "manifest.json" else reference, tmp_path)
    f = out / record
    f.write_text(f.read_text()[:40])
    capsys.readouterr()
    assert_refused(main(["report", str(out), "--quiet"]), capsys.readouterr().err, str(f), "not JSON")
    if record == "batch.json":  # --resume cannot know what ran: refused, nothing touched; --overwrite replaces
        before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
        assert_refused(main(compare_args(out, "--resume")), capsys.readouterr().err, str(f), "not JSON", "--overwrite")
        assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
        assert main(compare_args(out, "--overwrite")) == 0
        assert_same_results(out, reference)
    elif record.startswith("checksums/"):  # a replication's record: --resume runs the replication again
        assert main(compare_args(out, "--resume")) == 0
        assert str(f) in capsys.readouterr().err
        assert_same_results(out, reference)


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("rel", BATCH_FILES[:4])
def test_resume_runs_damaged_replications_again(reference, tmp_path, capsys, rel, how):
    out = copy_of(reference, tmp_path)
    damage(out / rel, how)
    others = {
        p: p.stat().st_mtime_ns
        for p in out.glob("runs/*/rep-*.parquet")
        if p.parent.name != rel.split("/")[1] or p.name != rel.split("/")[2]
    }
    capsys.readouterr()
    assert main(compare_args(out, "--resume")) == 0
    err = capsys.readouterr().err
    assert str(out / rel) in err and "is run again" in err, err
    assert {p: p.stat().st_mtime_ns for p in others} == others  # only the damaged replication ran again
    assert_same_results(out, reference)
    assert main(["report", str(out), "--quiet"]) == 0


def test_spells_left_out_are_reported_on_with_a_warning_and_resume_restores_them(reference, tmp_path, capsys):
    """Spells are needed for the pathways only (the app's download leaves them out): their absence is a
    warning for the report; --resume runs their replications again."""
    out = copy_of(reference, tmp_path)
    shutil.rmtree(out / "spells" / "variant_tiny")
    capsys.readouterr()
    assert main(["report", str(out), "--quiet"]) == 0
    assert "spells/variant_tiny/rep-0001.parquet" in capsys.readouterr().err
    (out / "report.html").unlink()
    assert main(compare_args(out, "--resume")) == 0
    assert_same_results(out, reference)


def test_resume_rewrites_a_damaged_summary_and_comparison(reference, tmp_path):
    out = copy_of(reference, tmp_path)
    damage(out / "summary.parquet", "truncate")
    damage(out / "comparison.parquet", "flip")
    assert main(compare_args(out, "--resume")) == 0
    assert_same_results(out, reference)


def test_the_reading_of_compare_refuses_damaged_files(reference, tmp_path, capsys, monkeypatch):
    """compare's paired differences read every replication's tables through the same checks."""
    from simulation.batch import runner

    out = copy_of(reference, tmp_path)
    damage(out / "monthly/variant_tiny/rep-0001.parquet", "flip")
    with pytest.raises(DamagedResults, match="variant_tiny/rep-0001.parquet: .*damaged"):
        runner.long_values(out, {"tiny": [1, 2], "variant_tiny": [1, 2]})
    # through the command: the batch itself is done (stands in for files damaged after it wrote them)
    result = runner.BatchResult(out, {"tiny": [1, 2], "variant_tiny": [1, 2]}, pd.DataFrame(), None, "serial")
    monkeypatch.setattr(runner, "run_batch", lambda spec, progress: runner.add_comparison(result))
    capsys.readouterr()
    assert_refused(
        main(compare_args(tmp_path / "new")),
        capsys.readouterr().err,
        str(out / "monthly/variant_tiny/rep-0001.parquet"),
        "damaged",
    )


def _strip_checksums(out: Path) -> None:
    """Make a batch look as written by a version without checksums."""
    record = json.loads((out / "batch.json").read_text())
    record.pop("checksums"), record.pop("files")
    (out / "batch.json").write_text(json.dumps(record))
    shutil.rmtree(out / "checksums")


def test_results_without_checksums_are_accepted_with_a_warning(reference, run_dir, tmp_path, capsys):
    out = copy_of(reference, tmp_path)
    _strip_checksums(out)
    capsys.readouterr()
    assert main(["report", str(out), "--quiet"]) == 0
    assert "without checksums" in capsys.readouterr().err
    runs = {p: p.stat().st_mtime_ns for p in out.glob("runs/*/rep-*.parquet")}
    assert main(compare_args(out, "--resume")) == 0  # readable with their columns: kept
    assert "without checksums" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in runs} == runs
    f = out / "monthly/tiny/rep-0001.parquet"  # still refused: a documented column missing
    damage(f, "drop")
    assert_refused(main(["report", str(out), "--quiet"]), capsys.readouterr().err, str(f), "'iq'")
    run = copy_of(run_dir, tmp_path)
    meta = json.loads((run / "manifest.json").read_text())
    del meta["files"]
    (run / "manifest.json").write_text(json.dumps(meta))
    assert main(["report", str(run), "--quiet"]) == 0
    assert "without checksums" in capsys.readouterr().err


def test_documented_columns_are_those_written(reference, run_dir):
    content = json.loads((run_dir / "manifest.json").read_text())["scenario"]
    for table in ("spells", "monthly", "programme_monthly"):
        assert set(expected_columns(table, content)) == set(pq.read_schema(run_dir / f"{table}.parquet").names)
        f = reference / table / "tiny" / "rep-0001.parquet"
        assert set(expected_columns(table, content, batch=True)) == set(pq.read_schema(f).names), table
    assert list(pq.read_schema(reference / "runs/tiny/rep-0001.parquet").names) == RUNS_COLUMNS
    assert set(json.loads((reference / "checksums/tiny/rep-0001.json").read_text())["sha256"]) == {
        "runs",
        "spells",
        "monthly",
        "programme_monthly",
    }
    assert set(json.loads((run_dir / "manifest.json").read_text())["files"]) == {
        "spells.parquet",
        "monthly.parquet",
        "programme_monthly.parquet",
    }


# --- one batch at a time in a folder -------------------------------------------------------------------------


def test_a_second_batch_into_the_same_folder_is_refused_at_once(tmp_path, capsys):
    """Another process runs a batch into the folder: a second one (new, --resume or --overwrite) and a
    report are refused at once, with exit code 2, and change nothing."""
    out = tmp_path / "b"
    lock = tmp_path / ".b.lock"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulation.cli",
            "batch",
            str(TINY),
            "-n",
            "500",
            "--years",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("runs/tiny/rep-*.parquet")) and time.monotonic() < deadline:
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.02)
        assert lock.exists()
        for extra in ([], ["--resume"], ["--overwrite"]):
            t0 = time.monotonic()
            code = main(
                [
                    "batch",
                    str(TINY),
                    "-n",
                    "500",
                    "--years",
                    "2",
                    "--workers",
                    "1",
                    "--out",
                    str(out),
                    "--quiet",
                    *extra,
                ]
            )
            assert_refused(code, capsys.readouterr().err, str(out), "another batch", f"process {first.pid}")
            assert time.monotonic() - t0 < 10
        assert_refused(main(["report", str(out), "--quiet"]), capsys.readouterr().err, "another batch")
        assert sorted(p.name for p in tmp_path.iterdir()) == [".b.lock", "b"]  # no staging folder of theirs
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert first.returncode == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # the lock file went with the batch
    runs = pd.concat([pd.read_parquet(p) for p in out.glob("runs/tiny/rep-*.parquet")])
    assert runs["replication"].is_unique  # every replication written by one batch


# --- a write that fails: a full disk ------------------------------------------------------------------------


def _limited(limit: int):
    def preexec():  # writes beyond `limit` bytes fail (EFBIG), like a disk that is full
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def _batch_limited(out: Path, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulation.cli", "batch", str(TINY), *COMMON, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(limit),
    )


def test_a_failed_first_write_leaves_nothing_behind(tmp_path):
    """The first file (batch.json, ~7 kB) cannot be written: the message names it; no folder, temporary or
    lock file is left, so the same command then runs as if nothing had happened."""
    out = tmp_path / "p" / "b"
    out.parent.mkdir()
    res = _batch_limited(out, 4000)
    assert_refused(res.returncode, res.stderr, str(out / "batch.json"), "could not be written")
    assert list(out.parent.iterdir()) == []
    assert main(["batch", str(TINY), *COMMON, "--out", str(out)]) == 0


def test_a_failed_table_write_names_the_file_and_resume_completes(reference, tmp_path):
    """monthly (~57 kB) cannot be written: the message names it, no temporary file is left, and --resume
    completes the batch with the files of one that never failed."""
    out = tmp_path / "b"
    res = _batch_limited(out, 40_000)
    assert_refused(
        res.returncode, res.stderr, str(out / "monthly" / "tiny" / "rep-0001.parquet"), "could not be written"
    )
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    assert main(["batch", str(TINY), *COMMON, "--out", str(out), "--resume"]) == 0
    for rel in (
        "monthly/tiny/rep-0001.parquet",
        "spells/tiny/rep-0002.parquet",
        "programme_monthly/tiny/rep-0002.parquet",
    ):
        assert (out / rel).read_bytes() == (reference / rel).read_bytes(), rel


def test_a_full_disk_names_the_file(tmp_path, capsys, monkeypatch):
    """ENOSPC while pyarrow writes (as pyarrow reports it): 'error: FILE: ... No space left on device'."""
    real = pd.DataFrame.to_parquet

    def full(self, path, *args, **kw):
        real(self, path, *args, **kw)
        if "monthly" in str(path):
            Path(path).write_bytes(Path(path).read_bytes()[:100])
            raise OSError(28, "Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "run"
    assert_refused(
        main(["run", str(TINY), "--years", "0.25", "--out", str(out), "--quiet"]),
        capsys.readouterr().err,
        f"{out / 'monthly.parquet'}: could not be written: No space left on device",
    )
    assert list(tmp_path.iterdir()) == []
    out = tmp_path / "b"
    assert_refused(
        main(["batch", str(TINY), *COMMON, "--out", str(out)]),
        capsys.readouterr().err,
        f"{out / 'monthly' / 'tiny' / 'rep-0001.parquet'}: could not be written: No space left on device",
    )
    assert not list(out.rglob("*.tmp")) and sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    monkeypatch.undo()
    assert main(["batch", str(TINY), *COMMON, "--out", str(out), "--resume"]) == 0
    assert os.path.exists(out / "summary.parquet")
