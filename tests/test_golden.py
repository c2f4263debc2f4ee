"""Golden back test: the same seed gives the same spells and indicator tables, bit for bit, on this machine and with
its CPU features switched off, and equal to digests stored from the scalar reference path."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

from tests.golden import CASES, ROOT, compare, digests, stored

CANARY = """
import hashlib, math, struct
h = hashlib.sha256()
for m in range(1, 20001):
    u = ((m * 0x9E3779B97F4A7C15 % (1 << 53)) + 0.5) * 2.0**-53
    h.update(struct.pack("<3d", math.log1p(-u), math.exp(-30 * u), math.log(u)))
print(h.hexdigest())
"""


def limited_env() -> dict[str, str]:
    """numpy's SIMD dispatch off (every target above the build's baseline), and on x86-64
    glibc's FMA/AVX2 variants of exp, log, pow, ... off too."""
    from numpy._core._multiarray_umath import __cpu_dispatch__

    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(__cpu_dispatch__), PYTHONPATH=str(ROOT))
    if platform.machine() in ("x86_64", "AMD64"):
        env["GLIBC_TUNABLES"] = "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F,-AVX512VL,-AVX"
    return env


def assert_golden(got: dict, want: dict) -> None:
    """Every stored column unchanged and present; a column added since is allowed (it is new, not changed) until the
    digests are made again (python -m tests.golden)."""
    changed, missing, added = compare(got, want)
    assert not changed and not missing, f"changed columns: {changed}; columns gone: {missing}"
    if added:
        import warnings

        warnings.warn(
            f"columns not in the golden digests yet (python -m tests.golden adds them): {added}", stacklevel=2
        )


def test_batched_path_gives_the_golden_spells():
    assert_golden(digests(reference=False), stored())


def test_reference_path_gives_the_golden_spells():
    """The scalar path (customers one at a time, numbers one at a time) on the quick cases."""
    cases = {k: v for k, v in CASES.items() if k != "kassel_half_year"}
    expected = {k: v for k, v in stored().items() if not k.startswith("kassel")}
    assert_golden(digests(reference=True, cases=cases), expected)


def test_an_added_column_is_told_apart_from_a_changed_one():
    want = {"t/seed1/monthly": {"a": "1", "b": "2"}}
    assert compare({"t/seed1/monthly": {"a": "1", "b": "2", "c": "3"}}, want) == ([], [], ["t/seed1/monthly:c"])
    assert compare({"t/seed1/monthly": {"a": "9", "b": "2"}}, want) == (["t/seed1/monthly:a"], [], [])
    assert compare({"t/seed1/monthly": {"a": "1"}}, want) == ([], ["t/seed1/monthly:b"], [])


def test_same_spells_with_cpu_features_switched_off():
    """numpy's AVX2/AVX-512 kernels and glibc's FMA variants may differ in the last bit from the
    plain ones; nothing on the path from a uniform number to a draw may use them."""
    env = limited_env()
    code = (
        "import json; from numpy._core._multiarray_umath import __cpu_features__ as f; "
        "from tests.golden import digests; "
        "print(json.dumps({'features': [k for k, v in f.items() if v], 'digests': digests(reference=False)}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout)
    from numpy._core._multiarray_umath import __cpu_dispatch__

    limited = set(got["features"])
    assert not limited & set(__cpu_dispatch__), "numpy's dispatch was not switched off"
    assert_golden(got["digests"], stored())


@pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64") or platform.libc_ver()[0] != "glibc",
    reason="glibc's hwcaps tunables are x86-64 names",
)
def test_the_limited_environment_really_changes_the_c_library_path():
    """Evidence that the test above means something here: on a CPU with FMA, glibc's exp, log and
    log1p give other last bits once FMA is switched off (so a draw through them would differ)."""
    from numpy._core._multiarray_umath import __cpu_features__

    if not __cpu_features__.get("FMA3"):
        pytest.skip("this CPU has no FMA: glibc runs its plain variants anyway")
    here = subprocess.run([sys.executable, "-c", CANARY], capture_output=True, text=True, timeout=60).stdout
    limited = subprocess.run(
        [sys.executable, "-c", CANARY], env=limited_env(), capture_output=True, text=True, timeout=60
    ).stdout
    assert here and here != limited
