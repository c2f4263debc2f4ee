"""The event log: one row per person per spell, the only output of the model itself.

Indicators are computed from it afterwards (simulation/indicators/), never counted during the run.
"""

from __future__ import annotations

import math
from array import array
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..states import (
    ALONGSIDE,
    EMPLOYED,
    EMPLOYMENT,
    EXIT,
    HANDOVER,
    PRIOR_BENEFIT,
    PROGRAMME,
    SIMULATION_START,
    SINGLE,
    SPELL_STATES,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy.typing as npt

    from .customer import Customer
    from .households import Household

    # one closed spell, as `flush` moves it into the columns: person, origin, attribute combination,
    # state, detail, waiting start, start, end, end reason, next state, household number (-1: none)
    Spell: TypeAlias = tuple[int, int, int, str, str, float, float, float, str, str, int]

NAN = math.nan

# state of a spell; a person's spells tile their time line without overlap; beside it: ALONGSIDE, a programme
# taken in parallel to the state (e.g. Deutsch+ during a language course), and EMPLOYMENT, a job
STATES = SPELL_STATES + (ALONGSIDE, EMPLOYMENT)
WITH_PROGRAMME = [STATES.index(s) for s in (PROGRAMME, HANDOVER, ALONGSIDE, EMPLOYED, EMPLOYMENT)]  # detail shown


class EventLog:
    """Spells as they close: a tuple each, moved (`flush`, once a simulated month) into columns
    of typed arrays for numbers and lists for names."""

    def __init__(
        self,
        attribute_names: list[str],
        attribute_levels: list[list[str]],
        origins: list[str],
        household_types: list[str] | None = None,
    ) -> None:
        self.attribute_names = attribute_names
        self.attribute_levels = attribute_levels
        self.origins = origins
        self.household_types = household_types or [SINGLE]
        self.households: list[Household] = []  # by household number (households.py); none: households of one
        self.combos: dict[tuple[int, ...], int] = {}  # distinct attribute tuples -> their number
        self.tuples: list[tuple[int, ...]] = []  # the same tuples, by number
        self.clear()

    def clear(self) -> None:
        """Forget every spell (after the spells table is built)."""
        self.rows: list[Spell] = []  # spells closed since the last flush, one tuple each
        self.pid, self.origin, self.combo_no = array("q"), array("h"), array("i")
        self.state: list[str] = []
        self.detail: list[str] = []
        self.waiting_start, self.start, self.end = array("d"), array("d"), array("d")
        self.reason: list[str] = []
        self.next_state: list[str] = []
        self.hh = array("q")

    def flush(self) -> None:
        """Move the spells closed so far into the columns (compact: no tuple and no float object per spell)."""
        rows, n = self.rows, len(self.rows)
        columns: tuple[array[int] | array[float] | list[str], ...] = (
            self.pid,
            self.origin,
            self.combo_no,
            self.state,
            self.detail,
            self.waiting_start,
            self.start,
            self.end,
            self.reason,
            self.next_state,
            self.hh,
        )
        for j, column in enumerate(columns):
            if isinstance(column, list):
                column.extend(map(itemgetter(j), rows))
            else:  # numbers: through numpy, much faster than array.extend
                column.frombytes(np.fromiter(map(itemgetter(j), rows), dtype=column.typecode, count=n).tobytes())
        rows.clear()

    def __len__(self) -> int:
        return len(self.pid) + len(self.rows)

    def shared(self, attrs: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
        """The one stored tuple equal to `attrs` (customers alike share it) and its number, which
        spells store instead of the tuple."""
        n = self.combos.get(attrs)
        if n is None:
            n = self.combos[attrs] = len(self.tuples)
            self.tuples.append(attrs)
        return self.tuples[n], n

    def spell(self, c: Customer, combo: int, end: float, end_reason: str, next_state: str) -> None:
        """Close the customer's open spell, lived with the attribute combination `combo`."""
        self.rows.append(
            (c.pid, c.origin, combo, c.state, c.detail, c.waiting_start, c.since, end, end_reason, next_state, c.hh)
        )

    def prior_benefit(self, c: Customer, start: float, end: float) -> None:
        """Benefit receipt before the customer's first simulated spell (needed for LZB)."""
        self.rows.append((c.pid, c.origin, c.combo, PRIOR_BENEFIT, "", NAN, start, end, SIMULATION_START, "", c.hh))

    def alongside(self, c: Customer, combo: int, programme: str, start: float, end: float, reason: str) -> None:
        self.rows.append((c.pid, c.origin, combo, ALONGSIDE, programme, start, start, end, reason, "", c.hh))

    def employment(self, c: Customer, kind: str, start: float, end: float, reason: str) -> None:
        """A job of the kind, held from start to end beside the customer's benefit state."""
        self.rows.append((c.pid, c.origin, c.combo, EMPLOYMENT, kind, start, start, end, reason, "", c.hh))

    def frame(self) -> pd.DataFrame:
        """The spells table (schema documented in docs/outputs.md)."""
        self.flush()
        n = len(self)

        def numbers(column: array[int] | array[float], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
            return np.frombuffer(column, dtype=dtype, count=n) if n else np.empty(0, dtype)

        pid = numbers(self.pid, np.int64)
        order = np.argsort(pid, kind="stable")  # by person, each in time order
        hh = numbers(self.hh, np.int64)[order]
        if self.households:  # every customer has one; spells written before it was formed (prior benefit
            # on day one) take the person's (a person stays in one household)
            big = np.iinfo(np.int64).max
            own = np.full(int(pid.max()) + 1 if n else 0, big, np.int64)
            np.minimum.at(own, pid[order], np.where(hh < 0, big, hh))  # their first household
            hh = np.where(hh < 0, own[pid[order]], hh)
            table_h = np.asarray([(h.kind.code, h.non_able) for h in self.households], dtype=np.int64)
            type_codes, non_able = table_h[hh, 0], table_h[hh, 1]
            household_id = hh
        else:  # everyone a household of one, without non-able members
            type_codes, non_able, household_id = np.zeros(n, np.int64), np.zeros(n, np.int64), pid[order]
        df = pd.DataFrame(
            {
                "person_id": pid[order],
                "household_id": household_id,
                "household_type": pd.Categorical.from_codes(type_codes, self.household_types),
                "non_able": non_able.astype(np.int16),
                "origin": pd.Categorical.from_codes(numbers(self.origin, np.int16)[order], self.origins),
            }
        )
        table = np.asarray(self.tuples, dtype=np.int16).reshape(len(self.tuples), len(self.attribute_names))
        codes = table[numbers(self.combo_no, np.int32)[order]]
        for j, (name, levels) in enumerate(zip(self.attribute_names, self.attribute_levels)):
            df[name] = pd.Categorical.from_codes(codes[:, j], levels, ordered=True)
        state_code = {s: i for i, s in enumerate(STATES)}
        state_codes = np.fromiter(map(state_code.__getitem__, self.state), dtype=np.int8, count=n)[order]
        df["state"] = pd.Categorical.from_codes(state_codes, STATES)
        detail_arr = pa.array(self.detail, type=pa.string()).take(order)
        null = pa.scalar(None, pa.string())
        has_programme = np.isin(state_codes, WITH_PROGRAMME)
        df["programme"] = _strings(pc.if_else(pa.array(has_programme), detail_arr, null))
        df["exit_kind"] = _strings(pc.if_else(pa.array(state_codes == STATES.index(EXIT)), detail_arr, null))
        df["waiting_start"] = numbers(self.waiting_start, float)[order]
        df["start"] = numbers(self.start, float)[order]
        df["end"] = numbers(self.end, float)[order]
        df["end_reason"] = _strings(pa.array(self.reason, type=pa.string()).take(order))
        nxt_arr = pa.array(self.next_state, type=pa.string()).take(order)
        df["next_state"] = _strings(pc.if_else(pc.equal(nxt_arr, ""), null, nxt_arr))
        return df


def _strings(arr: pa.Array) -> pd.api.extensions.ExtensionArray:
    """A pandas string column from an Arrow array of strings (nulls become <NA>)."""
    return pd.array(arr, dtype="string")
