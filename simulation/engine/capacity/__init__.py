"""Where a programme's capacity lives: the gates an entry must pass, one waiting list, and the plan over time.

An entry into a programme is one decision (Programme.admits): every gate of the programme has
room for this entrant. A gate is a small object with one job (gate.py says its interface):

    places.py    places at once (seats taken and given back)
    quota.py     entries per calendar year
    money.py     a budget's money: each entry commits its expected cost
    pool.py      places several programmes share (and perhaps one waiting list for all)
    reserved.py  places only a group may take while any of its members waits

Those who find no room wait on a WaitingList (waiting_list.py): first come, first served
within priority groups. A gate's value over calendar time is its Timeline; plan.py turns
all of them into one event per date, which sets the new values and re-runs admissions.
A new kind of gate is a new file here with its tests, and a line where programmes are built.
"""

from .gate import Gate
from .money import Budget, Money
from .places import Places
from .plan import schedule_new_years, schedule_plan
from .pool import Pool, PoolPlaces
from .quota import Quota
from .reserved import Reserved
from .waiting_list import Ticket, WaitingList

__all__ = [
    "Budget",
    "Gate",
    "Money",
    "Places",
    "Pool",
    "PoolPlaces",
    "Quota",
    "Reserved",
    "Ticket",
    "WaitingList",
    "schedule_new_years",
    "schedule_plan",
]
