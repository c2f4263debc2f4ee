"""Where indicators are computed: from the spells table (the event log) after a run, never during it.

`compute.py` holds the monthly tables (eLb stock, flows, integrations, Integrationsquote,
LZB) and the per-programme table; `kennzahlen.py` adds the rest of the § 48a SGB II set;
`registry.py` declares each monthly column (code, labels, unit, yearly rule). Every column is
documented in docs/outputs.md.
"""

from .compute import LZB_MIN_DAYS, LZB_WINDOW_DAYS, benefit_spells, monthly, programme_monthly

__all__ = ["LZB_MIN_DAYS", "LZB_WINDOW_DAYS", "benefit_spells", "monthly", "programme_monthly"]
