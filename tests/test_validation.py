"""Bad scenario files are refused with a message naming the file, the field, what was expected
and what was found; `extends` merges a variant onto its base and keeps everything else."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from simulation.errors import ScenarioError
from simulation.scenario import load_scenario
from simulation.scenario.schema import Exponential

SCENARIOS = Path(__file__).parent / "scenarios"
BROKEN = SCENARIOS / "broken"
TINY = SCENARIOS / "tiny.toml"
VARIANT = SCENARIOS / "variant_tiny.toml"

# Library internals that must not reach a user: pydantic's wording and Python reprs.
JARGON = ("Value error", "Input tag", "tagged-union", "function-after", "union[", "datetime.date(")


@dataclass(frozen=True)
class Case:
    file: str  # in tests/scenarios/broken/
    path: str  # the field path the problem must be reported at ("" = the file itself)
    words: tuple  # fragments the message must contain (what was expected, what was found)
    unclear: str = ""  # why the current message falls short (the case is then xfail)


CASES = [
    Case("wrong_type_places.toml", "programmes.course.places", ("integer", "found 'ten'")),
    Case("negative_places.toml", "programmes.course.places", ("greater than or equal to 0", "found -5")),
    Case("route_probabilities.toml", "routes.course[0].options", ("must sum to 1", "found 0.8")),
    Case(
        "unknown_route_target.toml",
        "routes.course[0].options[0].to",
        ("expected", "defined programme", "found 'programme:coachng'"),
    ),
    Case("unknown_route_key.toml", "routes.coachng", ("expected 'entry' or a defined programme", "found 'coachng'")),
    Case("no_exit_loop.toml", "routes/hazards", ("no exit", "programme:a", "programme:b", "exit:<kind>")),
    Case("unknown_key_top.toml", "nmae", ("unknown key",)),
    Case("unknown_key_nested.toml", "programmes.coaching.duraton", ("unknown key",)),
    Case("unknown_level.toml", "programmes.course.eligible.german_level", ("expected a level", "found 'A9'")),
    Case("segment_shares.toml", "population.initial.segments", ("must sum to 1", "found 0.9")),
    Case("not_toml.toml", "", ("expected a TOML file", "syntax error", "line 2")),
    Case("does_not_exist.toml", "", ("expected an existing scenario file", "found no file", "does_not_exist.toml")),
    Case("extends_missing.toml", "extends", ("expected an existing scenario file", "no_such_base.toml")),
    Case("circular_a.toml", "extends", ("circular", "circular_a.toml", "circular_b.toml")),
    Case("circular_b.toml", "extends", ("circular", "circular_a.toml", "circular_b.toml")),
    Case("hazard_bad_in.toml", "hazards.contact_loss.in[0]", ("expected 'case_management'", "found 'case_managment'")),
    Case(
        "bad_duration_kind.toml",
        "programmes.course.duration.dist",
        ("expected one of", "'exponential'", "found 'poisson'"),
    ),
    Case(
        "wave_end_before_start.toml",
        "population.waves.arrival",
        ("expected end after start", "2024-06-01", "found end = 2024-03-01"),
    ),
    Case("duration_extra_param.toml", "programmes.extra.duration.sd", ("unknown key",)),
]


def _param(case: Case):
    marks = [pytest.mark.xfail(reason=case.unclear, strict=True)] if case.unclear else []
    return pytest.param(case, id=case.file.removesuffix(".toml"), marks=marks)


def _error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_every_broken_file_has_a_case():
    """A new broken file without an expectation would otherwise go untested."""
    on_disk = {p.name for p in BROKEN.glob("*.toml")}
    listed = {c.file for c in CASES if (BROKEN / c.file).exists()}
    assert on_disk == listed
    assert not (BROKEN / "does_not_exist.toml").exists()


def test_bases_are_valid():
    """The broken variants differ from valid files by their one defect only."""
    load_scenario(TINY)
    load_scenario(VARIANT)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_broken_file_is_refused_clearly(case: Case):
    path = BROKEN / case.file
    err = _error(path)
    text = str(err)
    # the file: the one loaded (the one holding the bad `extends` for extends problems)
    assert Path(err.file).resolve() == path.resolve()
    assert text.splitlines()[0].startswith(err.file) and case.file in text.splitlines()[0]
    # one defect, reported once, at the right field
    assert len(err.problems) == 1, text
    where, msg = err.problems[0]
    assert where == case.path, text
    assert f"  {case.path or '(file)'}: " in text
    for word in case.words:
        assert word in msg, f"{word!r} not in {msg!r}"
    for jargon in JARGON:
        assert jargon not in msg, f"{jargon!r} in {msg!r}"


def test_relative_and_absolute_paths_name_the_same_file(monkeypatch):
    """The message names the file as the user gave it, whichever way it was given."""
    monkeypatch.chdir(SCENARIOS)
    rel = _error(Path("broken/negative_places.toml"))
    absolute = _error(BROKEN / "negative_places.toml")
    assert rel.file == "broken/negative_places.toml"
    assert absolute.file == str(BROKEN / "negative_places.toml")
    assert rel.problems == absolute.problems


# --- extends ---------------------------------------------------------------------------


def test_variant_overrides_and_keeps_the_rest():
    """Tables merge key by key, arrays replace; everything not overridden equals the base."""
    base = load_scenario(TINY)
    variant = load_scenario(VARIANT)
    v = variant.scenario
    assert v.name == "tiny variant"
    assert v.programmes["course"].places == 32
    assert v.population.initial.programmes["course"].participants == 25
    assert v.hazards["referral_coaching"].rate_per_month == 0
    assert v.hazards["contact_loss"].in_ == ["case_management", "waiting:*"]
    assert "extends" not in variant.resolved

    expected = base.scenario.model_dump()
    expected["name"] = "tiny variant"
    expected["programmes"]["course"]["places"] = 32
    expected["population"]["initial"]["programmes"]["course"]["participants"] = 25
    expected["hazards"]["referral_coaching"]["rate_per_month"] = 0
    expected["hazards"]["contact_loss"]["in_"] = ["case_management", "waiting:*"]
    assert v.model_dump() == expected
    assert variant.sha256 != base.sha256


def test_extends_chains(tmp_path):
    """A variant of a variant gets both layers of overrides, the nearer one winning."""
    f = tmp_path / "second.toml"
    f.write_text(
        f'extends = "{VARIANT.as_posix()}"\n[programmes.course]\nplaces = 33\n[programmes.coaching]\nplaces = 7\n'
    )
    s = load_scenario(f).scenario
    v = load_scenario(VARIANT).scenario
    assert s.programmes["course"].places == 33
    assert s.programmes["coaching"].places == 7
    assert s.hazards == v.hazards and s.population == v.population and s.name == "tiny variant"


def test_variant_can_change_a_duration_distribution(tmp_path):
    """Replacing a distribution in a variant gives exactly the distribution written."""
    f = tmp_path / "exp.toml"
    f.write_text(
        f'extends = "{TINY.as_posix()}"\n[programmes.coaching]\nduration = {{ dist = "exponential", mean = 3 }}\n'
    )
    assert load_scenario(f).scenario.programmes["coaching"].duration == Exponential(dist="exponential", mean=3)
