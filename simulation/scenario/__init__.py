"""Where a scenario is read: the TOML schema, loading with `extends`, and cross-field checks."""

from .loader import LoadedScenario, load_scenario, validate
from .schema import EXIT_KINDS, INTEGRATION_KINDS, Scenario

__all__ = ["LoadedScenario", "load_scenario", "validate", "Scenario", "EXIT_KINDS", "INTEGRATION_KINDS"]
