"""Independent random streams per customer and per decision (common random numbers).

Every random number is a pure function of (master seed, customer, decision, draw index):
the master seed goes through numpy's SeedSequence, customers and decisions are named by
stable hashes, and the draw is SplitMix64 (Steele, Lea & Flood 2014) run in counter mode.
So the same customer meets the same numbers for the same decision in two scenarios that
share the seed, whatever else differs, and a run is identical on any machine or process.

Most draws are a stream's first number, so customers are created in batches whose first
numbers are computed at once with numpy (`first_uniforms`, `FirstDraws`), the same numbers
to the last bit as the one-at-a-time path.
"""

from __future__ import annotations

import functools
import hashlib
from array import array
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import TypeAlias

    import numpy.typing as npt

    U64: TypeAlias = npt.NDArray[np.uint64]

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53


def mix64(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit mixing function."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def mix64_array(z: U64) -> U64:
    """mix64 on a uint64 array (numpy's unsigned arithmetic wraps modulo 2^64, as the masks do)."""
    z = z ^ (z >> np.uint64(30))
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


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


def entity_keys(root: int, source: str, start: int, count: int) -> U64:
    """entity_key for indices start .. start+count-1, as a uint64 array."""
    idx = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    return mix64_array(np.uint64(root) ^ mix64_array(np.uint64(name_key(source)) + mix64_array(idx)))


def draw(key: int, decision: int, k: int) -> float:
    """The k-th uniform number (k >= 1) in (0, 1) of entity `key`'s stream for `decision`."""
    state = (mix64(key ^ decision) + k * GAMMA) & MASK  # the k-th SplitMix64 state
    return ((mix64(state) >> 11) + 0.5) * _TO_UNIT


def _unit(z: U64) -> npt.NDArray[np.float64]:
    """The uniform numbers of mixed SplitMix64 states, as `draw` makes them."""
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT


def first_uniforms(keys: U64, decisions: list[int]) -> npt.NDArray[np.float64]:
    """draw(key, decision, 1) for every key (rows) and decision (columns), as float64."""
    z = keys[:, None] ^ np.asarray(decisions, dtype=np.uint64)[None, :]
    return _unit(mix64_array(mix64_array(z) + np.uint64(GAMMA)))


def successive(key: int, decision: int, block: int = 1024) -> Iterator[float]:
    """draw(key, decision, k) for k = 1, 2, ... without end, computed a block at a time with numpy."""
    base = np.uint64(mix64(key ^ decision))
    k = 1
    while True:
        yield from _unit(mix64_array(base + np.arange(k, k + block, dtype=np.uint64) * np.uint64(GAMMA))).tolist()
        k += block


class Decisions:
    """The decisions of one run, numbered in the order they are first named.

    Components hold a decision's number (attributes, hazards, durations, routes, ...);
    the number picks the customer's draw counter and the decision's stream key.
    """

    def __init__(self) -> None:
        self.keys: list[int] = []  # stream key of each decision, by number
        self._number: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        """The number of the named decision (registered on first use)."""
        n = self._number.get(name)
        if n is None:
            n = self._number[name] = len(self.keys)
            self.keys.append(name_key(name))
        return n

    def __len__(self) -> int:
        return len(self.keys)

    def counters(self, drawn: tuple[int, ...] = ()) -> array[int]:
        """Draw counters for a new entity (one byte per decision), the listed decisions drawn once."""
        c = array("B", bytes(len(self.keys)))
        for d in drawn:
            c[d] = 1
        return c


class FirstDraws:
    """The first number of the streams of decisions 0 .. width-1 for a batch of entities (one row each)."""

    __slots__ = ("width", "values")

    def __init__(self, keys: U64, decisions: Decisions, width: int | None = None) -> None:
        self.width = len(decisions) if width is None else width
        self.values = array("d")
        self.values.frombytes(first_uniforms(keys, decisions.keys[: self.width]).tobytes())


class Streams:
    """The random streams of one entity: one per decision, each a counter of draws made."""

    __slots__ = ("key", "decisions", "drawn", "first", "row")

    def __init__(
        self,
        key: int,
        decisions: Decisions,
        drawn: array[int] | None = None,
        first: FirstDraws | None = None,
        row: int = 0,
    ) -> None:
        self.key = key
        self.decisions = decisions
        self.drawn = decisions.counters() if drawn is None else drawn  # draws made, per decision
        self.first = first  # precomputed first numbers, if created in a batch
        self.row = row * first.width if first is not None else 0

    def uniform(self, decision: int) -> float:
        """Next uniform number in (0, 1) of the stream for `decision` (a Decisions number)."""
        drawn = self.drawn
        k = drawn[decision] + 1
        try:
            drawn[decision] = k
        except OverflowError:  # a 256th draw: wider counters from now on
            self.drawn = drawn = array("Q", drawn)
            drawn[decision] = k
        if k == 1 and self.first is not None and decision < self.first.width:
            return self.first.values[self.row + decision]
        return draw(self.key, self.decisions.keys[decision], k)
