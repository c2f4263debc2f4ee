"""Random streams: bulk first draws are the same numbers as drawing one at a time."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.engine.clock import Clock
from simulation.engine.conditions import Attributes
from simulation.engine.population import BATCH, Draw, Population
from simulation.engine.portable_math import exponential
from simulation.engine.random_streams import (
    MASK,
    Decisions,
    FirstDraws,
    Streams,
    draw,
    entity_key,
    entity_keys,
    first_uniforms,
    mix64,
    mix64_array,
    name_key,
    successive,
)
from simulation.scenario import validate

u64 = st.integers(min_value=0, max_value=MASK)


@given(st.lists(u64, min_size=1, max_size=50))
def test_mix64_array_equals_scalar(zs):
    assert mix64_array(np.asarray(zs, dtype=np.uint64)).tolist() == [mix64(z) for z in zs]


@given(u64, st.sampled_from(["initial", "inflow", "wave:x"]), st.integers(0, 10**6), st.integers(1, 40))
def test_entity_keys_equal_scalar(root, source, start, count):
    assert entity_keys(root, source, start, count).tolist() == [
        entity_key(root, source, i) for i in range(start, start + count)
    ]


@given(st.lists(u64, min_size=1, max_size=20), st.lists(u64, min_size=1, max_size=8, unique=True))
def test_first_uniforms_equal_scalar_draws(keys, decisions):
    u = first_uniforms(np.asarray(keys, dtype=np.uint64), decisions)
    assert u.tolist() == [[draw(k, d, 1) for d in decisions] for k in keys]
    assert ((u > 0) & (u < 1)).all()


@given(u64, st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=30))
def test_streams_with_first_draws_give_the_same_sequence(key, order):
    """Any order of draws, first numbers from the batch table (a, b) or not (c, d): the same numbers."""
    decisions = Decisions()
    for n in "abc":
        decisions(n)
    first = FirstDraws(np.asarray([key], dtype=np.uint64), decisions, 2)  # a table for a and b only
    decisions("d")  # registered after the table was made
    plain, batched = Streams(key, decisions), Streams(key, decisions, first=first, row=0)
    assert [batched.uniform(decisions(n)) for n in order] == [plain.uniform(decisions(n)) for n in order]
    assert batched.uniform(decisions("a")) == draw(key, name_key("a"), order.count("a") + 1)


SCENARIO = {
    "name": "streams",
    "time": {"start": "2024-01-01", "years": 1},
    "attributes": {"sex": ["f", "m"], "age": ["u25", "25-54", "55+"], "lang": ["de"]},
    "population": {
        "common": {"sex": {"f": 0.5, "m": 0.5}, "lang": "de"},
        "segments": {
            "young": {"attributes": {"age": "u25"}},
            "rest": {
                "attributes": {"age": {"25-54": 0.7, "55+": 0.3}},
                "months_in_benefit": {"dist": "exponential", "mean": 18},
            },
        },
        "initial": {"size": 10, "segments": {"young": 0.3, "rest": 0.7}},
    },
    "hazards": {
        "work": {"in": ["case_management"], "to": "exit:employment", "rate_per_month": 0.05},
        "other": {"in": ["case_management"], "to": "exit:other", "rate_per_month": 0.01},
    },
}


@settings(max_examples=20, deadline=None)
@given(u64, st.integers(0, 3 * BATCH), st.integers(0, 2 * BATCH + 5))
def test_cohort_makes_the_same_customers_as_newcomer(root, start, count):
    """Customers made in batches: same streams, attributes, days in benefit, hazard thresholds and later draws."""
    s = validate(SCENARIO, "<test>")
    attributes = Attributes(s.attributes)
    decisions = Decisions()
    later = [decisions("later"), decisions("other")]
    hazards = (decisions("hazard:work"), decisions("hazard:other"))
    pop = Population(s.population, attributes, Clock(s.time.start, 1), root, decisions, hazards)
    shares = Draw(s.population.initial.segments)
    later = later + later + [decisions("segment")] + list(hazards)  # hazards: their second threshold
    for i, new in zip(range(start, start + count), pop.cohort("initial", count, shares, start)):
        ref = pop.newcomer("initial", i, shares)
        assert (new.rng.key, new.attrs, new.days) == (ref.rng.key, ref.attrs, ref.days)
        assert new.thresholds.tolist() == ref.thresholds.tolist()
        assert new.thresholds.tolist() == [exponential(draw(new.rng.key, decisions.keys[d], 1)) for d in hazards]
        assert [new.rng.uniform(d) for d in later] == [ref.rng.uniform(d) for d in later]


@given(u64, u64, st.integers(1, 3000))
def test_successive_draws_equal_the_stream(key, decision, n):
    u = successive(key, decision, block=257)
    decisions = Decisions()
    decisions.keys.append(decision)  # a decision known by its key alone
    plain = Streams(key, decisions)
    assert [next(u) for _ in range(n)] == [plain.uniform(0) for _ in range(n)]


def test_a_stream_goes_on_past_255_draws():
    """Draw counters start at one byte each and widen when a stream is drawn from a 256th time."""
    decisions = Decisions()
    d = decisions("often")
    rng = Streams(12345, decisions)
    assert [rng.uniform(d) for _ in range(300)] == [draw(12345, name_key("often"), k) for k in range(1, 301)]
