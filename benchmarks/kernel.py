"""The kernel reference: how many events per second SimPy itself processes on this machine.

Events are counted as SimPy counts them: every event put on its queue draws the next id from
`Environment._eid`, so the count costs nothing during the timed run. Rates are given per
second of wall time and per second of CPU time (the steadier figure on a shared machine).
"""

from __future__ import annotations

import time

import simpy


def scheduled(env: simpy.Environment) -> int:
    """Events scheduled so far (SimPy numbers each scheduled event from an itertools.count)."""
    return next(env._eid)


def _timed_run(env: simpy.Environment) -> tuple[int, float, float]:
    """Run to the end: (events, wall seconds, CPU seconds)."""
    t0, c0 = time.perf_counter(), time.process_time()
    env.run()
    return scheduled(env), time.perf_counter() - t0, time.process_time() - c0


def timeout_loop(n: int) -> tuple[int, float, float]:
    """One process yielding n timeouts."""
    env = simpy.Environment()

    def proc():
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(proc())
    return _timed_run(env)


def resource_cycle(n: int, processes: int = 20, capacity: int = 5) -> tuple[int, float, float]:
    """n request -> timeout -> release cycles on one Resource shared by several processes."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity)
    per = max(1, n // processes)

    def proc(i):
        hold = 1.0 + (i % 7) / 7  # unequal holding times, so the queue order keeps changing
        for _ in range(per):
            with res.request() as req:
                yield req
                yield env.timeout(hold)

    for i in range(processes):
        env.process(proc(i))
    return _timed_run(env)


def best_rate(fn, n: int, repeats: int) -> dict:
    """Best of `repeats` runs: events, seconds (wall, CPU), events per second (wall, CPU)."""
    runs = [fn(n) for _ in range(repeats)]
    events = runs[0][0]
    wall, cpu = min(r[1] for r in runs), min(r[2] for r in runs)
    return {
        "events": events,
        "seconds": wall,
        "cpu_seconds": cpu,
        "events_per_s": events / wall,
        "events_per_cpu_s": events / cpu,
    }


def kernel(n: int, repeats: int = 3) -> dict:
    """Both kernel references."""
    return {"timeouts": best_rate(timeout_loop, n, repeats), "resource": best_rate(resource_cycle, n, repeats)}
