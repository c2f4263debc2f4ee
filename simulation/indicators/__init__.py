"""Where indicators are computed: from the spells table (the event log) after a run, never during it.

`compute.py` holds the tables: `monthly()` (a loop over the indicator registry) and the
per-programme table; `registry.py` declares each monthly column (code, labels, unit, yearly rule)
and the function computing it: `core.py` for the stocks, flows and integrations, `kennzahlen.py`
for the § 48a SGB II set; `prepared.py` prepares the spells once per run for all of them (the
month conventions, benefit spells, month-end stocks, the LZB rule, integration events). Every
column is documented in docs/outputs.md.
"""

from .compute import monthly, programme_monthly
from .prepared import LZB_MIN_DAYS, LZB_WINDOW_DAYS, benefit_spells

__all__ = ["LZB_MIN_DAYS", "LZB_WINDOW_DAYS", "benefit_spells", "monthly", "programme_monthly"]
