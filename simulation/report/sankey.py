"""Customers' pathways as flows: where benefit episodes begin, which programmes follow, how they end.

A benefit episode runs from entry (stock at start, new inflow, or re-entry after an exit) to
an exit or the horizon. Its path is: origin -> the programmes entered in order (admitted;
waiting alone does not count; at most MAX_STEPS, the rest lumped) -> the exit kind, or
"still in benefit". At each step, programmes reached by fewer than MIN_SHARE of the episodes
are drawn as one node, so that a job centre's many small measures do not hide the chains.
Flows are mean counts per replication. Read from the spells table only.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

MAX_STEPS = 2
MIN_SHARE = 0.03  # a programme node below 3 % of the episodes joins the step's lumped node
MORE = "more"
STILL = "still"
SMALL = "*small*"  # programme name of the lumped node of a step


@dataclass
class Flows:
    nodes: list[str]  # node ids: origin:<o>, step<k>:<programme>, more, exit:<kind>, still
    links: pd.DataFrame  # source, target (node ids), value (mean per replication)
    replications: int
    episodes: float  # mean episodes per replication


def episodes(spells: pd.DataFrame) -> pd.DataFrame:
    """One row per benefit episode: replication, origin, outcome, and programmes entered (list)."""
    s = spells[spells["state"].astype(str) != "alongside"]
    if "replication" not in s.columns:
        s = s.assign(replication=1)
    s = s.sort_values(["replication", "person_id"], kind="stable").reset_index(drop=True)
    state = s["state"].astype(str).to_numpy()
    key = s["replication"].astype(np.int64).to_numpy() * 10**9 + s["person_id"].astype(np.int64).to_numpy()
    first = np.r_[True, key[1:] != key[:-1]]
    after_exit = np.r_[False, state[:-1] == "exit"] & ~first
    is_exit = state == "exit"
    ep = np.cumsum(first | after_exit)
    s = s.assign(ep=ep)[~is_exit]
    origin = np.where(
        ~first[~is_exit], "reentry", np.where(s["origin"].astype(str).str.startswith("initial"), "initial", "inflow")
    )
    s = s.assign(ep_origin=origin)
    g = s.groupby("ep", sort=True)
    out = pd.DataFrame({"replication": g["replication"].first(), "origin": g["ep_origin"].first()})
    last_next = g["next_state"].last().astype("string").fillna("")
    out["outcome"] = np.where(last_next.str.startswith("exit:"), last_next, STILL)
    prog = s[(state[~is_exit] == "programme") & s["start"].notna().to_numpy()]
    chains: dict[int, list[str]] = {}
    for e, name in zip(prog["ep"].to_numpy(), prog["programme"].astype(str)):
        chains.setdefault(int(e), []).append(name)
    out["programmes"] = pd.Series([chains.get(int(e), []) for e in out.index], index=out.index, dtype=object)
    return out.reset_index(drop=True)


def path_nodes(origin: str, programmes: list[str], outcome: str) -> list[str]:
    """The node ids of one episode's path."""
    nodes = [f"origin:{origin}"] + [f"step{k + 1}:{p}" for k, p in enumerate(programmes[:MAX_STEPS])]
    if len(programmes) > MAX_STEPS:
        nodes.append(MORE)
    return nodes + [outcome]


def flows(spells: pd.DataFrame, min_share: float = MIN_SHARE) -> Flows:
    """Mean flows per replication between consecutive nodes of every episode's path."""
    eps = episodes(spells)
    reps = max(int(eps["replication"].nunique()), 1)
    paths = [path_nodes(o, progs, out) for o, progs, out in zip(eps["origin"], eps["programmes"], eps["outcome"])]
    visits: dict[str, int] = {}
    for path in paths:
        for node in set(path):
            visits[node] = visits.get(node, 0) + 1
    small = {n for n, v in visits.items() if n.startswith("step") and v < min_share * len(paths)}
    counts: dict[tuple[str, str], int] = {}
    for path in paths:
        path = [f"{n.split(':', 1)[0]}:{SMALL}" if n in small else n for n in path]
        for a, b in pairwise(path):
            counts[(a, b)] = counts.get((a, b), 0) + 1
    links = pd.DataFrame([(a, b, n / reps) for (a, b), n in counts.items()], columns=["source", "target", "value"])
    nodes = sorted(set(links["source"]) | set(links["target"]), key=_node_order) if len(links) else []
    return Flows(nodes, links, reps, len(eps) / reps)


def _node_order(node: str) -> tuple:
    """Origins first, then programme steps in order, then the lumped step, then outcomes."""
    if node.startswith("origin:"):
        return (
            0,
            ["initial", "inflow", "reentry"].index(node[7:]) if node[7:] in ("initial", "inflow", "reentry") else 9,
            node,
        )
    if node.startswith("step"):
        k, _, p = node[4:].partition(":")
        return (1, int(k), p)
    if node == MORE:
        return (2, 0, "")
    return (3, 1 if node == STILL else 0, node)
