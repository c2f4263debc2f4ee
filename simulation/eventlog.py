"""The event log: one row per person per spell, the only output of the model itself.

Indicators are computed from it afterwards (indicators.py), never counted during the run.
"""

from __future__ import annotations

import math
from operator import itemgetter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NAN = math.nan

# state of a spell; a person's spells tile their time line without overlap
STATES = ("prior_benefit", "case_management", "no_contact", "handover", "programme", "exit")
# a programme taken in parallel to the state above (e.g. Deutsch+ during a language course)
ALONGSIDE = "alongside"


class EventLog:
    def __init__(self, attribute_names: list[str], attribute_levels: list[list[str]], origins: list[str]) -> None:
        self.attribute_names = attribute_names
        self.attribute_levels = attribute_levels
        self.origins = origins
        self.rows: list[tuple] = []
        self.combos: dict[tuple[int, ...], int] = {}   # distinct attribute tuples, numbered

    def combo(self, attrs: tuple[int, ...]) -> int:
        """The number of an attribute combination (spells store it instead of the tuple)."""
        n = self.combos.get(attrs)
        if n is None:
            n = self.combos[attrs] = len(self.combos)
        return n

    def spell(self, c, combo: int, end: float, end_reason: str, next_state: str) -> None:
        """Close the customer's open spell, lived with the attribute combination `combo`."""
        self.rows.append((c.pid, c.origin, combo, c.state, c.detail, c.waiting_start,
                          c.since, end, end_reason, next_state))

    def prior_benefit(self, c, start: float, end: float) -> None:
        """Benefit receipt before the customer's first simulated spell (needed for LZB)."""
        self.rows.append((c.pid, c.origin, c.combo, "prior_benefit", "", NAN, start, end, "simulation_start", ""))

    def alongside(self, c, combo: int, programme: str, start: float, end: float, reason: str) -> None:
        self.rows.append((c.pid, c.origin, combo, ALONGSIDE, programme, start, start, end, reason, ""))

    def frame(self) -> pd.DataFrame:
        """The spells table (schema documented in docs/outputs.md)."""
        rows, n = self.rows, len(self.rows)

        def numbers(j: int, dtype) -> np.ndarray:
            return np.fromiter(map(itemgetter(j), rows), dtype=dtype, count=n)

        state, detail, reason, nxt = (list(map(itemgetter(j), rows)) for j in (3, 4, 8, 9))
        pid = numbers(0, np.int64)
        order = np.argsort(pid, kind="stable")   # by person, each in time order
        df = pd.DataFrame({
            "person_id": pid[order],
            "origin": pd.Categorical.from_codes(numbers(1, np.int16)[order], self.origins),
        })
        table = np.asarray(list(self.combos), dtype=np.int16).reshape(len(self.combos), len(self.attribute_names))
        codes = table[numbers(2, np.int64)[order]]
        for j, (name, levels) in enumerate(zip(self.attribute_names, self.attribute_levels)):
            df[name] = pd.Categorical.from_codes(codes[:, j], levels, ordered=True)
        state_code = {s: i for i, s in enumerate(STATES + (ALONGSIDE,))}
        state_codes = np.fromiter(map(state_code.__getitem__, state), dtype=np.int8, count=n)[order]
        df["state"] = pd.Categorical.from_codes(state_codes, STATES + (ALONGSIDE,))
        detail_arr = pa.array(detail, type=pa.string()).take(order)
        null = pa.scalar(None, pa.string())
        has_programme = np.isin(state_codes, [STATES.index("programme"), STATES.index("handover"), len(STATES)])
        df["programme"] = _strings(pc.if_else(pa.array(has_programme), detail_arr, null))
        df["exit_kind"] = _strings(pc.if_else(pa.array(state_codes == STATES.index("exit")), detail_arr, null))
        df["waiting_start"] = numbers(5, float)[order]
        df["start"] = numbers(6, float)[order]
        df["end"] = numbers(7, float)[order]
        df["end_reason"] = _strings(pa.array(reason, type=pa.string()).take(order))
        nxt_arr = pa.array(nxt, type=pa.string()).take(order)
        df["next_state"] = _strings(pc.if_else(pc.equal(nxt_arr, ""), null, nxt_arr))
        return df


def _strings(arr: pa.Array) -> pd.api.extensions.ExtensionArray:
    """A pandas string column from an Arrow array of strings (nulls become <NA>)."""
    return pd.array(arr, dtype="string")
