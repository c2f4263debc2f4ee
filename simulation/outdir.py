"""Checks on an output folder before anything runs: results go where they can, and replace only results."""

from __future__ import annotations

import errno
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
        raise ArgumentError(
            f"{option}: expected a folder results can be written to, found '{base}' not writable ({e.strerror})"
        ) from None


def check_out(text: str, marker: str, what: str, option: str = "--out") -> Path:
    """An output folder that is new, empty, or holds earlier results (recognised by `marker`)."""
    if not text.strip():
        raise ArgumentError(f"{option}: expected a folder name, found an empty one")
    try:
        return _check_out(text, marker, what, option)
    except OSError as e:  # e.g. a name too long for the file system
        raise ArgumentError(
            f"{option}: expected a usable folder name, found '{shorten(text)}' ({e.strerror})"
        ) from None


def _check_out(text: str, marker: str, what: str, option: str) -> Path:
    out = Path(text)
    resolved = out.resolve()
    here = Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        raise ArgumentError(
            f"{option}: expected a folder of its own for the results, found '{text}', the current "
            "folder or one above it"
        )
    if out.is_symlink():
        raise ArgumentError(
            f"{option}: expected a folder for the results, found '{text}' to be a link; give the folder itself"
        )
    if out.exists() and not out.is_dir():
        raise ArgumentError(
            f"{option}: expected a folder for the results, found '{text}' to be an existing file; it is left as it is"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        raise ArgumentError(
            f"{option}: expected a new or empty folder, or the {what} of an earlier run, found "
            f"'{text}' holding other files (no {marker}); they are left as they are"
        )
    check_writable(out, option)
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ArgumentError(f"{option}: expected a folder results can be written to, found '{text}' not writable")
    return out


# --- one batch at a time per output folder ------------------------------------------------------------------

try:
    import fcntl
except ImportError:  # not on POSIX: no lock (batches into one folder must then be kept apart by hand)
    fcntl = None


def lock_path(out: Path) -> Path:
    """The lock file of an output folder: beside it, so that it covers a new folder, and the folder's
    replacement by --overwrite, as well as an existing one."""
    out = Path(out).absolute()
    return out.parent / f".{out.name}.lock"


class FolderLock:
    """An exclusive lock (fcntl.flock) on an output folder, held for a whole batch: on `.<name>.lock` beside
    the folder, and on the folder itself if it exists. The lock file is removed on release; one left by a
    batch killed outright holds no lock (the kernel releases it) and is taken over."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = lock_path(self.out)
        self.fds: list[int] = []
        self.created: list[Path] = []  # parent folders made for the lock file, removed again if empty
        self.own_file = False

    def acquire(self) -> "FolderLock":
        if fcntl is None:
            return self
        try:
            self._lock_file()
        except ArgumentError:
            self.release()
            raise
        except OSError as e:
            unwritable = self.out.is_dir() and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
            if not unwritable and e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP):
                self.release()
                raise
            # a parent folder that cannot be written, or a file system without locks: the folder's own lock
            # (below, if it has one) must do
        if self.out.is_dir():  # also the folder itself (the only lock when its parent is read-only)
            try:
                fd = os.open(self.out, os.O_RDONLY)
            except OSError:
                fd = None
            if fd is not None:
                self.fds.append(fd)
                try:
                    if not _flock(fd):
                        self.release()
                        raise ArgumentError(busy_message(self.out, None))
                except OSError:  # a file system without locks on folders (e.g. some NFS): the file lock holds
                    pass
        return self

    def _lock_file(self) -> None:
        missing = []
        base = self.path.parent
        while not base.exists() and base != base.parent:
            missing.append(base)
            base = base.parent
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.created = missing  # deepest first
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                locked = _flock(fd)
            except OSError:
                os.close(fd)
                raise
            if not locked:
                os.close(fd)
                raise ArgumentError(busy_message(self.out, _holder(self.path)))
            try:  # still the file at that name (not one a finishing batch just removed)?
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        self.fds.append(fd)
        self.own_file = True
        try:  # who holds it, for the message of a batch refused
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass

    def release(self) -> None:
        if self.own_file:
            try:
                self.path.unlink()  # while still locked: a batch waiting for it then finds a new file
            except OSError:
                pass
            self.own_file = False
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        for d in self.created:
            try:
                d.rmdir()
            except OSError:
                break
        self.created = []

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _flock(fd: int) -> bool:
    """Take the exclusive lock without waiting for a holder; False if another process holds it. A few tries
    over 0.2 s: a look by folder_busy (a report, a batch being refused) holds it for an instant only."""
    import time

    for attempt in range(5):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt < 4:
                time.sleep(0.05)
    return False


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def busy_message(out: Path, pid: int | None) -> str:
    who = f" (process {pid})" if pid else ""
    return (
        f"{out}: another batch{who} is writing into this folder; wait for it to finish (then use --resume or "
        "--overwrite as needed), or use another --out"
    )


def folder_busy(out: Path) -> str | None:
    """The message to give if another process holds the lock of an output folder, else None. Nothing is
    created or changed."""
    if fcntl is None:
        return None
    out = Path(out)
    for target, is_file in ((lock_path(out), True), (out, False)):
        try:
            fd = os.open(target, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except BlockingIOError:
            return busy_message(out, _holder(target) if is_file else None)
        except OSError:
            pass
        finally:
            os.close(fd)
    return None
