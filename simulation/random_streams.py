"""Independent random streams per customer and per decision (common random numbers).

Every random number is a pure function of (master seed, customer, decision, draw index):
the master seed goes through numpy's SeedSequence, customers and decisions are named by
stable hashes, and the draw is SplitMix64 (Steele, Lea & Flood 2014) run in counter mode.
So the same customer meets the same numbers for the same decision in two scenarios that
share the seed, whatever else differs, and a run is identical on any machine or process.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53


def mix64(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit mixing function."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> int:
    """A stable 64-bit key for a name (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def root_key(seed: int) -> int:
    """The run's root key, from the master seed via numpy's SeedSequence."""
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])


def entity_key(root: int, source: str | int, index: int) -> int:
    """Key of the index-th entity (customer, arrival stream) of a named source."""
    src = name_key(source) if isinstance(source, str) else source
    return mix64(root ^ mix64((src + mix64(index + 1)) & MASK))


class Streams:
    """The random streams of one entity, one per decision name, created on first use."""

    __slots__ = ("key", "_drawn")

    def __init__(self, key: int) -> None:
        self.key = key
        self._drawn: dict[int, int] = {}    # draws made per decision (small ints: no allocation)

    def uniform(self, decision: int) -> float:
        """Next uniform number in (0, 1) of the stream for `decision` (a name_key)."""
        k = self._drawn.get(decision, 0) + 1
        self._drawn[decision] = k
        state = (mix64(self.key ^ decision) + k * GAMMA) & MASK    # the k-th SplitMix64 state
        return ((mix64(state) >> 11) + 0.5) * _TO_UNIT
