"""The one vocabulary of states, targets and end reasons: the scenario checks, the engine and the indicators
spell them from here.

Three kinds of name:
- a spell's `state` (a column of spells.parquet): SPELL_STATES, and ALONGSIDE for a programme taken
  in parallel;
- a hazard state (where a hazard acts, a scenario's `in`) and a target (where a route or hazard
  sends someone, a scenario's `to`): the fixed states, `waiting:<programme>`, `programme:<programme>`,
  `exit:<kind>` and, as a target only, `entry`;
- the end reasons the engine writes itself (beside the names of hazards).
"""

from __future__ import annotations

from collections.abc import Iterable

# --- spell states ---------------------------------------------------------------------
PRIOR_BENEFIT = "prior_benefit"  # benefit receipt before the simulation starts (day-one stock)
CASE_MANAGEMENT = "case_management"
NO_CONTACT = "no_contact"
EMPLOYED = "employed"  # in benefit while employed: earnings topped up (Aufstocker); the job is an EMPLOYMENT spell
HANDOVER = "handover"  # a gap between the end of one programme and the start of the next
PROGRAMME = "programme"  # waiting for a programme or taking part (the spell's `start` tells which)
EXIT = "exit"  # out of benefit receipt
SPELL_STATES = (PRIOR_BENEFIT, CASE_MANAGEMENT, NO_CONTACT, HANDOVER, PROGRAMME, EXIT, EMPLOYED)
ALONGSIDE = "alongside"  # a programme taken in parallel to the spell's state
EMPLOYMENT = "employment"  # a job, in parallel to the spell's state (in benefit or out of it)
PARALLEL_STATES = (ALONGSIDE, EMPLOYMENT)  # spells beside a person's time line, not on it

# the spells table's fixed columns (the event log's), in order; one column per attribute follows
SPELL_COLUMNS = [
    "person_id",
    "household_id",
    "household_type",
    "non_able",
    "origin",
    "state",
    "programme",
    "exit_kind",
    "waiting_start",
    "start",
    "end",
    "end_reason",
    "next_state",
]

# --- hazard states and targets --------------------------------------------------------
FIXED_STATES = (CASE_MANAGEMENT, NO_CONTACT, HANDOVER, EMPLOYED)
WAITING_PREFIX, PROGRAMME_PREFIX, EXIT_PREFIX, JOB_PREFIX = "waiting:", "programme:", "exit:", "job:"
ENTRY = "entry"  # a target: (re-)entry into benefit receipt, through the entry route
JOB = "job"  # a target's kind: `job:<kind>`, taking up work of a kind in [employment]
SINGLE = "single"  # the household type of everyone in a scenario without [households]


def waiting(programme: str) -> str:
    return WAITING_PREFIX + programme


def taking_part(programme: str) -> str:
    return PROGRAMME_PREFIX + programme


def exited(kind: str) -> str:
    return EXIT_PREFIX + kind


def matches(pattern: str, state: str) -> bool:
    """Whether a hazard state pattern (`waiting:*`, `programme:course`, ...) covers a hazard state."""
    if pattern.endswith(":*"):
        return state.startswith(pattern[:-1])
    return pattern == state


def benefit_states(programmes: Iterable[str]) -> list[str]:
    """The hazard states of customers in benefit receipt, but for hand-overs: case management, no contact, and
    the waiting list and participation of each programme."""
    out = [CASE_MANAGEMENT, NO_CONTACT, EMPLOYED]
    for name in programmes:
        out += [waiting(name), taking_part(name)]
    return out


# --- end reasons the engine writes --------------------------------------------------------
COMPLETED = "completed"  # a programme's duration or an alongside place ran out
RENEGED = "reneged"  # out of patience on a waiting list
CENSORED = "censored"  # open at the horizon
HANDOVER_DONE = "handover_done"
SIMULATION_START = "simulation_start"  # the end of a prior_benefit spell
MAIN_PHASE_ENDED = "main_phase_ended"  # an alongside place ends with the wait or participation it went with
ARRIVAL = "arrival"  # how every newcomer's first move is named
POOL_PLACED = "pool_placed"  # a pool's shared list placed them in another member programme
JOB_ENDED = "job_ended"  # a job's duration ran out (its EMPLOYMENT spell, and an EMPLOYED spell)
JOB_CHANGED = "job_changed"  # a job ended because another began
NEED_COVERED = "need_covered"  # a household member's job covered the household's need: members leave together
HOUSEHOLD_REENTRY = "household_reentry"  # back into benefit with the household
ENGINE_REASONS = frozenset(
    {
        COMPLETED,
        RENEGED,
        CENSORED,
        HANDOVER_DONE,
        SIMULATION_START,
        MAIN_PHASE_ENDED,
        ARRIVAL,
        POOL_PLACED,
        JOB_ENDED,
        JOB_CHANGED,
        NEED_COVERED,
        HOUSEHOLD_REENTRY,
    }
)
