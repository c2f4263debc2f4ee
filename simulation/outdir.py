"""Checks on an output folder before anything runs: results go where they can, and replace only results."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ArgumentError, shorten


def check_writable(out: Path, option: str = "--out") -> None:
    """The folder can be created (or written into): tried in its nearest existing parent, then removed."""
    base = out.absolute()
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise ArgumentError(f"{option}: expected a folder, found '{base}' to be a file")
    try:
        Path(tempfile.mkdtemp(prefix=".jobpath-probe-", dir=base)).rmdir()
    except OSError as e:
        raise ArgumentError(f"{option}: expected a folder results can be written to, found '{base}' not writable "
                            f"({e.strerror})") from None


def check_out(text: str, marker: str, what: str, option: str = "--out") -> Path:
    """An output folder that is new, empty, or holds earlier results (recognised by `marker`)."""
    if not text.strip():
        raise ArgumentError(f"{option}: expected a folder name, found an empty one")
    try:
        return _check_out(text, marker, what, option)
    except OSError as e:            # e.g. a name too long for the file system
        raise ArgumentError(f"{option}: expected a usable folder name, found '{shorten(text)}' "
                            f"({e.strerror})") from None


def _check_out(text: str, marker: str, what: str, option: str) -> Path:
    out = Path(text)
    resolved = out.resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise ArgumentError(f"{option}: expected a folder of its own for the results, found '{text}', the current "
                            "folder or one above it")
    if out.is_symlink():
        raise ArgumentError(f"{option}: expected a folder for the results, found '{text}' to be a link; give the "
                            "folder itself")
    if out.exists() and not out.is_dir():
        raise ArgumentError(f"{option}: expected a folder for the results, found '{text}' to be an existing file; "
                            "it is left as it is")
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        raise ArgumentError(f"{option}: expected a new or empty folder, or the {what} of an earlier run, found "
                            f"'{text}' holding other files (no {marker}); they are left as they are")
    check_writable(out, option)
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ArgumentError(f"{option}: expected a folder results can be written to, found '{text}' not writable")
    return out
