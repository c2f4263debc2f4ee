"""The SimPy internals the engine relies on (simulation/engine/simpy_compat.py), pinned to the locked version."""

from __future__ import annotations

import re
from pathlib import Path

import simpy

from simulation.engine import simpy_compat

ROOT = Path(__file__).resolve().parents[1]


def test_the_locked_simpy_is_the_one_the_internals_were_checked_with():
    locked = re.search(r"^simpy==(\S+)", (ROOT / "requirements.lock").read_text(), re.M).group(1)
    assert simpy.__version__ == locked == simpy_compat.TESTED_WITH


def test_event_counter_counts_every_scheduled_event():
    env = simpy.Environment()
    for t in range(5):
        env.timeout(t)
    env.event().succeed()
    assert simpy_compat.events_scheduled(env) == 6


def test_drop_pending_empties_the_queue_and_unhooks_callbacks():
    env = simpy.Environment()
    seen = []
    events = [env.timeout(t) for t in (1, 2, 3)]
    for e in events:
        e.callbacks.append(seen.append)
    env.run(until=1.5)
    simpy_compat.drop_pending(env)
    assert env.peek() == float("inf") and seen == [events[0]]
    assert all(e.callbacks is None for e in events[1:])
