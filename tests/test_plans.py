"""Plans that change capacity: places below day-one occupancy, and (below) values over calendar time.

Each mechanism is checked against the spells alone: who holds a seat when, and who was
admitted while the programme was full.
"""

from __future__ import annotations

import numpy as np

from simulation.engine.model import simulate
from tests.conftest import BASE, merge, scenario


def occupancy_at(spells, name: str, t: np.ndarray) -> np.ndarray:
    """Participants of programme `name` at times t (a spell holds its seat on [start, end))."""
    p = spells[(spells["state"] == "programme") & (spells["programme"] == name) & spells["start"].notna()]
    start, end = p["start"].to_numpy(float), p["end"].to_numpy(float)
    return ((start[None, :] <= t[:, None]) & (t[:, None] < end[None, :])).sum(1)


def cut_places_dict(places: int, participants: int, waiting: int) -> dict:
    """A programme with fewer places than people in it on day one, a waiting list and inflow."""
    return merge(BASE, {
        "population": {"initial": {"size": participants + waiting, "programmes": {"p": {
            "participants": participants, "waiting": waiting, "segment": "all",
            "elapsed": {"dist": "uniform", "low": 0, "high": 6}}}},
            "inflow": {"per_month": 5, "segments": {"all": 1.0}}},
        "programmes": {"p": {"places": places, "duration": {"dist": "exponential", "mean": 4}}},
        "routes": {"entry": [{"options": [{"to": "programme:p", "probability": 1}]}],
                   "p": [{"options": [{"to": "exit:other", "probability": 1}]}]},
    })


def test_places_below_day_one_occupancy_shrink_as_people_leave():
    """320 -> 213 places with 300 in it (Kassel's AGH plan, scaled): accepted; nobody leaves early,
    nobody is admitted until occupancy is below the places, and from then on it stays within them."""
    places, participants = 21, 30
    out = simulate(scenario(cut_places_dict(places, participants, waiting=10)), seed=3)
    sp = out.spells
    p = sp[(sp["state"] == "programme") & (sp["programme"] == "p")]
    assert (p["end_reason"].isin(["completed", "censored"])).all()      # nobody thrown out
    day_one = p[p["origin"] == "initial:p"].sort_values("person_id").head(participants)
    assert (day_one["start"] <= 0).all()
    # the first admission during the run comes only once enough day-one participants have left
    admitted = p[p["start"].notna() & ~p.index.isin(day_one.index)]
    first = admitted["start"].min()
    ends = np.sort(day_one["end"].to_numpy(float))
    assert first >= ends[participants - places]           # the (30-21+1)-th departure frees the first place
    assert occupancy_at(sp, "p", np.array([0.0]))[0] == participants
    # from the first admission on, occupancy never exceeds the places
    t = np.unique(np.r_[admitted["start"].to_numpy(float), p["end"].to_numpy(float)])
    t = t[(t >= first) & (t < out.horizon)]
    assert occupancy_at(sp, "p", t).max() <= places
    # before it, occupancy only falls
    before = np.unique(p["end"].to_numpy(float))
    before = before[before < first]
    assert (np.diff(occupancy_at(sp, "p", before)) <= 0).all()
