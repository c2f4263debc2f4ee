"""The SimPy internals the engine uses, in one place (tests/test_simpy_compat.py pins them to the locked version).

SimPy keeps its event queue (`Environment._queue`, a heap of (time, priority, id, event)) and
the counter that numbers scheduled events (`Environment._eid`) private. The engine reads the
counter for the manifest's event count and empties the queue after a run to break reference
cycles (unhooking events as SimPy marks a processed one: callbacks None); all of it goes through
here, so a SimPy upgrade that changes them breaks one test, not a run.
"""

from __future__ import annotations

import simpy

TESTED_WITH = "4.1.2"  # the version in requirements.lock


def events_scheduled(env: simpy.Environment) -> int:
    """Events scheduled so far: SimPy numbers every scheduled event from one counter (this reads the next
    number, so call it once, at the end of a run)."""
    count: int = next(env._eid)
    return count


def drop_pending(env: simpy.Environment) -> None:
    """Unhook every event still on the queue from its callbacks and empty the queue (the run is over)."""
    for item in env._queue:
        item[3].callbacks = None  # type: ignore[assignment, unused-ignore]  # as in `unhook`
    env._queue.clear()


def unhook(event: simpy.Event) -> None:
    """Drop an event's callbacks, as SimPy does once it has processed it (after a run: breaks reference cycles).

    SimPy types `callbacks` as a list and marks a processed event by setting it to None itself (hence the
    ignore; `unused-ignore`: where SimPy's types are not installed beside mypy there is nothing to ignore).
    """
    event.callbacks = None  # type: ignore[assignment, unused-ignore]
