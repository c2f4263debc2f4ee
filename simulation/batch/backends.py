"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every backend runs the same `run_job` (or another job function given to `map`, e.g. the optimiser's), whose result depends only on the job, so results are
identical bit for bit whatever the backend and the number of workers. A replication whose
worker dies is run again; as it writes its files atomically, it is never lost or counted twice.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .plan import Job
from .worker import run_job

OnDone = Callable[[dict], None]
RETRIES = 3
CONNECT_TIMEOUT = 5  # seconds to wait for a Dask scheduler: an address nobody listens on fails fast
MAX_WORKERS = 1024


class Serial:
    name = "serial"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, jobs: Iterable[Job], out: str, on_done: OnDone, fn: Callable = run_job) -> None:
        for job in jobs:
            on_done(fn(job, out))


def _worker_start(parent: int) -> None:
    """Worker start-up: Ctrl-C (SIGINT to the whole process group) is for the main process alone,
    which then lets the running replications finish and starts no new one; and the worker dies
    with the main process, even one killed outright (kill -9), rather than run on unwatched."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere, and as
    a fallback, a thread checks every second that the parent is still there."""
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the signal was set up
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class LocalProcesses:
    """A pool of local worker processes (spawned, so each starts clean)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.name = f"{self.workers} local processes"
        self.pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_start,
            initargs=(os.getpid(),),
        )

    def __enter__(self):
        self.pool = self._new_pool()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.pool is not None:
            # wait for the replications already running (each is written whole); start no new one
            self.pool.shutdown(wait=True, cancel_futures=True)
        return False

    def map(self, jobs: Iterable[Job], out: str, on_done: OnDone, fn: Callable = run_job) -> None:
        todo = list(jobs)
        for attempt in range(RETRIES + 1):
            futures = {self.pool.submit(fn, job, out): job for job in todo}
            try:
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        on_done(f.result())
                        todo.remove(futures[f])
                return
            except BaseException as e:
                for f in futures:
                    f.cancel()
                if not isinstance(e, BrokenProcessPool):
                    raise
                # a worker died: start a new pool and run again what had not finished
                self.pool.shutdown(wait=False, cancel_futures=True)
                if attempt == RETRIES:
                    raise
                self.pool = self._new_pool()


class Dask:
    """An existing Dask distributed scheduler (address), or a local cluster ('local:N')."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.name = f"Dask {address}"
        self.client = self.cluster = None

    def __enter__(self):
        from dask.distributed import Client, LocalCluster

        if self.address.startswith("local:"):
            n = int(self.address.split(":", 1)[1])
            self.cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
            )
            self.client = Client(self.cluster, set_as_default=False)
        else:
            self.client = Client(self.address, set_as_default=False, timeout=CONNECT_TIMEOUT)
        self.workers = max(sum(self.client.nthreads().values()), 1)
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        return False

    def map(self, jobs: Iterable[Job], out: str, on_done: OnDone, fn: Callable = run_job) -> None:
        from dask.distributed import as_completed

        jobs = list(jobs)
        token = uuid.uuid4().hex[:8]
        keys = [f"jobpath-{j.scenario}-{j.replication:05d}-{token}" for j in jobs]
        futures = self.client.map(fn, jobs, [out] * len(jobs), key=keys, pure=False, retries=RETRIES)
        for f in as_completed(futures, loop=self.client.loop):
            on_done(f.result())


def check_backend(dask: str | None, workers: int | None) -> str | None:
    """What is wrong with --dask / --workers (None if nothing): checked before anything runs or is written."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        return f"--workers: expected a number of worker processes from 1 to {MAX_WORKERS}, found {workers}"
    if dask is None:
        return None
    if dask.startswith("local:"):
        n = dask.split(":", 1)[1]
        if not (n.isdigit() and 1 <= int(n) <= MAX_WORKERS):
            return f"--dask: expected local:N with N workers from 1 to {MAX_WORKERS}, found '{dask[:80]}'"
        return None
    host, port = _host_port(dask)
    if host is None:
        return f"--dask: expected a scheduler address such as tcp://host:8786 or local:N, found '{dask[:80]}'"
    import socket

    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as e:
        return f"--dask: expected a Dask scheduler listening at {dask[:80]}, found none ({e.strerror or 'timed out'})"
    found = _scheduler_identity(f"tcp://{host}:{port}" if ":" not in host else f"tcp://[{host}]:{port}")
    if found is not None:
        return f"--dask: expected a Dask scheduler at {dask[:80]}, found {found}"
    return None


def _scheduler_identity(address: str) -> str | None:
    """Ask the server at `address` who it is, as a Dask client does first; None if a scheduler answers,
    else what was found. (Something else listening there must not reach the client, which fails slowly.)"""
    import asyncio

    from distributed.comm import connect

    async def ask():
        comm = await connect(address, timeout=CONNECT_TIMEOUT)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(ask(), CONNECT_TIMEOUT))
    except Exception as e:  # noqa: BLE001 - whatever the other end does, it is not a scheduler
        return f"a server that does not speak Dask's protocol ({type(e).__name__})"
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        return "a server that is no Dask scheduler"
    return None


def _host_port(address: str) -> tuple[str | None, int]:
    """Host and port of a tcp scheduler address (tcp://host:port or host:port); (None, 0) if it is not one."""
    rest = address.removeprefix("tcp://")
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536 or "/" in host:
        return None, 0
    return host, int(port)


def backend_for(dask: str | None, workers: int | None):
    if dask:
        return Dask(dask)
    if workers == 1:
        return Serial()
    return LocalProcesses(workers)
