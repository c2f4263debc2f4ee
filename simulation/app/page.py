"""The web page (a Streamlit script): pick a base scenario, define up to five variants, compare them side by side.

Started by `jobpath app`; arguments after `--`: --scenarios DIR, --work DIR. Every text a
planner reads comes from the report's label catalogue (simulation/report/labels.py), in
English or German; numbers are read and shown in the language's format. The comparison runs
in the background (`jobpath compare` in its own process, kept in the session), so clicks and
a language switch during a run do not lose it; it can be cancelled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from simulation.app import exports
from simulation.app import variant as V
from simulation.app.changes import describe
from simulation.app.messages import translate
from simulation.errors import ScenarioError
from simulation.report.labels import t
from simulation.report.tables import number

REPLICATIONS_DEFAULT = 5
MAX_VARIANTS = 5
MIN_YEARS_DEFAULT = 2  # course places and other slow levers show their effect in the second year


def options() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="jobpath app page")
    p.add_argument("--scenarios", default="scenarios")
    p.add_argument("--work", default=None, help="directory for the runs' files (removed when the app stops)")
    args, _ = p.parse_known_args(sys.argv[1:])
    return args


def show_problems(e: ScenarioError, lang: str, key: str = "invalid_scenario") -> None:
    """A scenario error as a readable message: the file, then each field and what is wrong."""
    from simulation.errors import MAX_SHOWN, shorten

    lines = [f"**{t(key, lang)}**: `{shorten(e.file)}`", "", t("problems_note", lang), ""]
    lines += [
        f"- `{shorten(path) or t('whole_file', lang)}`: {_escape(translate(shorten(msg, 600), lang))}"
        for path, msg in e.problems[:MAX_SHOWN]
    ]
    if len(e.problems) > MAX_SHOWN:
        lines.append(f"- … {t('more_problems', lang, n=len(e.problems) - MAX_SHOWN)}")
    st.error("\n".join(lines))


def _escape(text: str) -> str:
    """A message as plain text in Markdown (no emphasis, links or tags from the file's values)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~$" else c for c in text)


UPLOADER_CSS = """<style>
[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p {{visibility: hidden; font-size: 0;}}
[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p::after {{
  content: "{browse}"; visibility: visible; font-size: 0.875rem;}}
[data-testid=stFileUploaderDropzoneInstructions] span {{display: none;}}
[role=option][data-key=__select_all__] > div {{visibility: hidden; font-size: 0;}}
[role=option][data-key=__select_all__] > div::after {{content: "{select_all}"; visibility: visible; font-size: 1rem;}}
[data-testid=stFileUploaderDropzoneInstructions] > div::after {{content: "{drag} · {limit} · TOML";
  font-size: 0.875rem;}}
</style>"""


def uploader_texts(lang: str) -> None:
    """The file uploaders' and the multiselect's own texts (Streamlit shows them in English only) in
    German: the English text is hidden by the stylesheet and the German one drawn in its place."""
    if lang == "en":
        return
    from simulation.app.command import MAX_UPLOAD_MB

    st.markdown(
        UPLOADER_CSS.format(
            browse=t("uploader_browse", lang),
            drag=t("uploader_drag", lang),
            limit=t("uploader_limit", lang, mb=MAX_UPLOAD_MB),
            select_all=t("select_all", lang),
        ),
        unsafe_allow_html=True,
    )


# --- numbers as the language writes them ---------------------------------------------------


def parse_number(text: str, lang: str) -> float:
    """A number typed in the language's format (German 1.234,5 or 0,5; a point as decimal mark accepted)."""
    s = str(text).strip().replace("\u2009", "").replace(" ", "").replace("−", "-")
    if lang == "de":
        if "," in s:
            s = s.replace(".", "").replace(",", ".")
        elif s.count(".") >= 1 and all(len(part) == 3 for part in s.split(".")[1:]) and s.split(".")[0]:
            s = s.replace(".", "")  # 1.000 = one thousand
    else:
        s = s.replace(",", "")
    return float(s)


def show_number(x: float | None, lang: str, decimals: int | None = None) -> str:
    """A number for an input field: whole numbers without decimals, others with up to 4."""
    if x is None:
        return ""
    if decimals is None:
        decimals = 0 if float(x).is_integer() else min(4, max(1, len(f"{x:g}".split(".")[-1])))
    return number(float(x), decimals, lang).replace("−", "-")


class FormErrors(list):
    """Fields whose text is not a number in the allowed range: (label, text, expectation); `keys` are the
    number fields read with it (so that a form can put them back to the base's values)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []


def _written_in(key: str) -> str:
    """The session key that remembers in which language a number field's text was written."""
    return f"{key}::lang"


def follow_language(state, key: str, value, lang: str, parse=None, show=None) -> None:
    """A number field's text kept as the number it stands for when the language changes.

    A field holds text, and "1,200" is twelve hundred in English but 1.2 in German: before the field is
    drawn in another language, its text is read in the language it was written in and written again in
    this one. A text that still shows the base's value is the base's value in the new language; a text that
    is not a number stays as it is (it is refused either way)."""
    parse, show = parse or parse_number, show or show_number
    was = state.get(_written_in(key))
    state[_written_in(key)] = lang
    if was is None or was == lang or key not in state:
        return
    text = state[key] or ""
    if text == show(value, was):
        state[key] = show(value, lang)
        return
    try:
        state[key] = show(parse(text, was), lang) if text.strip() else ""
    except ValueError:
        pass


RESET = "fields-to-reset"  # session key: fields to be set back to their starting values at the next run


def forget_fields(state, keys: list[str]) -> None:
    """Fields back to their starting values at the next run (their texts and languages dropped; the next run
    writes each one's starting value, so that the browser shows it too)."""
    reset = state.setdefault(RESET, set())
    for k in keys:
        state.pop(k, None)
        state.pop(_written_in(k), None)
        reset.add(k)


def read_number(text: str, value: float | None, lang: str, optional: bool) -> float | None:
    """The number a field's text stands for; the base's own value, unrounded, while the text shows it."""
    if text == show_number(value, lang):
        return value
    if optional and not text.strip():
        return None
    return parse_number(text, lang)


def num_field(
    col,
    label: str,
    value,
    lang: str,
    key: str,
    errors: FormErrors,
    minimum: float = 0.0,
    maximum: float | None = None,
    optional: bool = False,
    integer: bool = False,
    hidden: bool = False,
    start: dt.date | None = None,
):
    """A text field that reads a number in the language's format; None if empty and optional. With `start`
    (the scenario's start date) it reads a value over calendar time in the plan notation (plans.py): a number,
    or steps "60.000 ab 01.01.2024; 50.000 ab 01.01.2025", each step's value held to the same bounds.

    The field's text is the session's (set here on first use), so that a language switch can rewrite it
    as the same number (follow_language) without Streamlit's warning on a value set twice."""
    if start is not None:
        return _plan_field(col, label, value, lang, key, errors, minimum, maximum, optional, integer, hidden, start)
    text = _field_text(col, label, value, lang, key, errors, optional, hidden, parse_number, show_number)
    try:
        x = read_number(text, value, lang, optional)
        if x is None:
            return None
        if integer and not float(x).is_integer():
            raise ValueError
        if x < minimum or (maximum is not None and x > maximum):
            raise ValueError
    except ValueError:
        lo = show_number(minimum, lang)
        rng = (
            t("range_from", lang, low=lo)
            if maximum is None
            else t("range_between", lang, low=lo, high=show_number(maximum, lang))
        )
        errors.append((label, text, t("whole_number" if integer else "a_number", lang) + " " + rng))
        return value
    return int(x) if integer else float(x)


def _field_text(col, label, value, lang, key, errors, optional, hidden, parse, show) -> str:
    """A field's text. Its default is the base's value in the language's format (so a field the browser has not
    drawn yet, e.g. in a closed fold, still stands for the base, never for an empty text); a language switch
    rewrites a text already there as the same value (follow_language). The field is one of the form's
    (`errors.keys`)."""
    state = st.session_state
    follow_language(state, key, value, lang, parse, show)
    if key in state.get(RESET, ()):  # the form starts again from the base: the browser is told so
        state[RESET].discard(key)
        state[key] = show(value, lang)
    errors.keys.append(key)
    placeholder = t("unlimited", lang) if optional else ""
    visibility = "collapsed" if hidden else "visible"
    text = col.text_input(label, value=show(value, lang), key=key, label_visibility=visibility, placeholder=placeholder)
    return text or ""


def _plan_field(col, label, value, lang, key, errors, minimum, maximum, optional, integer, hidden, start):
    """num_field for a value over calendar time (plan notation)."""
    from simulation.app import plans

    def show(v, lg):
        return "" if v is None else plans.show_plan(v, lg, show_number)

    def parse(text, lg):
        return plans.parse_plan(text, lg, start, parse_number)

    text = _field_text(col, label, value, lang, key, errors, optional, hidden, parse, show)
    if text == show(value, lang):
        return value
    if optional and not text.strip():
        return None
    try:
        x = parse(text, lang)
        for v in [s["value"] for s in x] if isinstance(x, list) else [x]:
            if (integer and not float(v).is_integer()) or v < minimum or (maximum is not None and v > maximum):
                raise ValueError(v)
    except ValueError:
        errors.append((label, text, t("a_plan", lang, low=show_number(minimum, lang))))
        return value
    if isinstance(x, list):
        return [{"from": s["from"], "value": int(s["value"]) if integer else float(s["value"])} for s in x]
    return int(x) if integer else float(x)


# --- the base scenario --------------------------------------------------------------------


def choose_source(lang: str, scenarios_dir: Path) -> tuple[str, str, str, dict] | None:
    """The base scenario (state key, short name, file name for `extends`, resolved content), or None."""
    files = V.list_scenarios(scenarios_dir)
    choice = None
    if files:
        choice = st.sidebar.selectbox(
            t("scenario", lang), files, key="scenario", format_func=lambda p: V.scenario_title(p, lang)[0]
        )
        if choice is not None:  # its description's first line, and the file it is
            line = V.scenario_title(choice, lang)[1]
            where = f"`{choice.relative_to(scenarios_dir)}`"
            st.sidebar.caption(f"{_escape(line)} · {where}" if line else where)
    upload = st.sidebar.file_uploader(t("upload", lang), type=["toml"], key="upload")
    if upload is not None:
        data = upload.getvalue()
        try:
            content = V.load_upload(data, upload.name, scenarios_dir)
        except ScenarioError as e:
            show_problems(e, lang)
            return None
        digest = hashlib.sha256(data).hexdigest()[:12]
        return f"upload-{digest}", V.safe_name(Path(upload.name).stem), upload.name, content
    if choice is None:
        st.info(t("no_scenarios", lang, dir=scenarios_dir))
        return None
    try:
        content = V.load_path(choice)  # read on every rerun: a few ms, and never stale
    except ScenarioError as e:
        show_problems(e, lang)
        return None
    key = f"file-{V.safe_name(str(choice.relative_to(scenarios_dir)))}"
    return key, V.safe_name(choice.stem), choice.name, content


def run_settings(key: str, content: dict, lang: str, errors: FormErrors) -> dict:
    """Horizon, replications, seed and worker processes, on the main page (kept across variants)."""
    st.subheader(t("run_settings", lang))
    c = st.columns(4)
    scen_years = float(content.get("time", {}).get("years", 1))
    years = num_field(
        c[0],
        t("years", lang),
        max(scen_years, MIN_YEARS_DEFAULT),
        lang,
        f"{key}-years",
        errors,
        minimum=1 / 12,
        maximum=50,
    )
    reps = num_field(
        c[1],
        t("replications", lang),
        REPLICATIONS_DEFAULT,
        lang,
        f"{key}-reps",
        errors,
        minimum=2,
        maximum=200,
        integer=True,
    )
    seed = num_field(c[2], t("seed", lang), 1, lang, f"{key}-seed", errors, integer=True)
    cores = os.cpu_count() or 1
    workers = num_field(
        c[3], t("workers", lang), cores, lang, f"{key}-workers", errors, minimum=1, maximum=cores, integer=True
    )
    st.caption(t("years_help", lang, years=show_number(scen_years, lang)))
    return {"years": float(years), "replications": int(reps), "seed": int(seed), "workers": int(workers)}


# --- one variant: the levers --------------------------------------------------------------


def start_point(key: str, base_name: str, items: list[dict], lang: str) -> dict | None:
    """Where the form's levers start: the base, or a variant of the list made from a file (None = the base)."""
    files = [v for v in items if v.get("source")]
    if not files:
        return None
    options = [""] + [v["stem"] for v in files]
    names = {v["stem"]: v["name"] for v in files}
    chosen = st.selectbox(
        t("start_from", lang),
        options,
        key=f"{key}-start",
        format_func=lambda s: names.get(s, s) if s else t("start_from_base", lang, name=base_name),
    )
    st.caption(t("start_from_help", lang))
    return next((v for v in files if v["stem"] == chosen), None)


def variant_form(key: str, content: dict, lang: str, n: int) -> tuple[bool, V.Changes, FormErrors]:
    """The levers of one variant; submitting adds it to the list. Returns (submitted, changes, errors)."""
    errors = FormErrors()
    base = V.current(content)
    with st.container(key=f"form-{key}", border=True):
        st.subheader(t("new_variant", lang, n=n))
        # a skip link past the levers (a keyboard reaches the button without tabbing through every field)
        st.markdown(f'<a href="#add-variant">{t("skip_to_add", lang)}</a>', unsafe_allow_html=True)
        errors.keys.append(f"{key}-vname")
        if f"{key}-vname" in st.session_state.get(RESET, ()):
            st.session_state[RESET].discard(f"{key}-vname")
            st.session_state[f"{key}-vname"] = ""
        vname = st.text_input(
            t("variant_name", lang), value="", placeholder=t("variant_n", lang, n=n), key=f"{key}-vname"
        )
        groups = _group_inputs(key, content, lang, errors)
        inflow, waves = _inflow_inputs(key, content, lang, errors)
        programmes = _programme_inputs(key, base, content, lang, errors)
        budgets = _budget_inputs(key, base, content, lang, errors)
        staffing = _staffing_inputs(key, base, content, lang, errors)
        pools = _pool_inputs(key, base, content, lang, errors)
        hazards = _hazard_inputs(key, content, lang, errors)
        st.markdown('<div id="add-variant"></div>', unsafe_allow_html=True)
        submitted = st.button(t("add_variant", lang), type="primary", key=f"{key}-add")
    changes = V.Changes(
        vname.strip() or t("variant_n", lang, n=n),
        programmes,
        set(),
        hazards,
        groups,
        inflow,
        waves,
        budgets,
        staffing,
        pools,
    )
    return submitted, changes, errors


def variant_editor(key: str, base_name: str, content: dict, start: dict | None, items: list[dict], lang: str) -> None:
    """The next variant's form, run on its own (a fragment: typing in it does not redraw the results); a
    variant added goes to the list, and the form starts again from the base's values."""
    submitted, changes, form_errors = variant_form(key, start["content"] if start else content, lang, len(items) + 1)
    if not submitted:
        return
    if form_errors:
        st.error(
            "\n".join(
                [f"**{t('invalid_input', lang)}**", ""]
                + [
                    f"- {label}: „{text}“ – {what}" if lang == "de" else f"- {label}: '{text}' – {what}"
                    for label, text, what in form_errors
                ]
            )
        )
    elif len(items) >= MAX_VARIANTS:
        st.warning(t("too_many_variants", lang, max=MAX_VARIANTS))
    else:
        add_variant(items, base_name, content, changes, lang, start)
        forget_fields(st.session_state, form_errors.keys)
        st.rerun(scope="app")


def _lever_rows(heading: str, help_text: str, rows: list[tuple], lang: str, errors: FormErrors, start) -> dict:
    """A lever per table row (budget, staffing group, pool): its title and a note on the left, then its value to
    edit, a number or a plan over time in the plan notation ("53; 56 ab 01.04.2024": steps added, changed or
    removed), and a factor on every step ("-20 %" is 0,8). Rows: (name, title, note, value, field label, widget
    key, keyword arguments of num_field)."""
    if not rows:
        return {}
    from simulation.app.plans import scaled

    st.markdown(f"**{t(heading, lang)}**")
    st.caption(t(help_text, lang) + " " + t("plan_help", lang))
    out = {}
    for name, title, note, value, field, key, field_kw in rows:
        c = st.columns([4, 4, 1], vertical_alignment="center")
        c[0].markdown(f"**{title}**  \n<small>{note}</small>", unsafe_allow_html=True)
        planned = num_field(c[1], field, value, lang, key, errors, start=start, **field_kw)
        factor = num_field(
            c[2], f"{t('factor_all_steps', lang)} · {name}", 1.0, lang, f"{key}-factor", errors, maximum=1e3
        )
        out[name] = scaled(planned, float(factor))
    return out


def _table_label(spec: dict, name: str, lang: str) -> str:
    return (spec.get("label_de") if lang == "de" else "") or spec.get("label") or name


def _numbers(value) -> list:
    """The numbers of a value over calendar time (its steps' values, or the one number)."""
    return [s["value"] for s in value] if isinstance(value, list) else [value]


def _start(content: dict) -> dt.date:
    """The scenario's start date (a date from TOML, ISO text from JSON): the first step of a plan holds from it."""
    start = content.get("time", {}).get("start")
    return start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)[:10])


def _members(content: dict, programmes: list, lang: str) -> str:
    return ", ".join(short_label(programme_label(content, p, lang)) for p in programmes)


def _budget_inputs(key: str, base: V.Changes, content: dict, lang: str, errors: FormErrors) -> dict:
    """One row per budget: its name, the programmes it pays for, the yearly amount (EUR) or its steps."""
    return _lever_rows(
        "budgets_form",
        "budgets_help",
        [
            (
                name,
                _table_label(spec, name, lang),
                t("paid_programmes", lang, names=_members(content, spec.get("programmes", []), lang)),
                base.budgets.get(name),
                f"{t('budget_per_year', lang)} · {name}",
                f"{key}-budget-{name}",
                {},
            )
            for name, spec in content.get("budgets", {}).items()
        ],
        lang,
        errors,
        _start(content),
    )


def _staffing_inputs(key: str, base: V.Changes, content: dict, lang: str, errors: FormErrors) -> dict:
    """One row per staffing group: its label, reference caseload and the transitions it scales, the number of case
    managers (a number or steps over time)."""
    rows = []
    for name, spec in content.get("staffing", {}).items():
        scaled = ", ".join(
            dict.fromkeys(
                target_label(str(content.get("hazards", {}).get(h, {}).get("to", h)), content, lang)
                for h in spec.get("hazards", [])
            )
        )
        note = t(
            "staffing_reference", lang, ref=show_number(float(spec.get("reference_caseload", 0)), lang), names=scaled
        )
        rows.append(
            (
                name,
                _table_label(spec, name, lang),
                note,
                base.staffing.get(name),
                f"{t('staffing_form', lang)} · {name}",
                f"{key}-staff-{name}",
                {"maximum": 1e6},
            )
        )
    return _lever_rows("staffing_form", "staffing_help", rows, lang, errors, _start(content))


def _pool_inputs(key: str, base: V.Changes, content: dict, lang: str, errors: FormErrors) -> dict:
    """One row per pool with places: its label and member programmes (short labels), the places (or steps)."""
    rows = []
    for name, spec in content.get("pools", {}).items():
        if spec.get("places") is None:
            continue
        places = base.pools.get(name)
        rows.append(
            (
                name,
                _table_label(spec, name, lang),
                t("pool_members", lang, names=_members(content, spec.get("programmes", []), lang)),
                places,
                f"{t('pool_places', lang)} · {name}",
                f"{key}-pool-{name}",
                {"integer": all(float(x).is_integer() for x in _numbers(places))},
            )
        )
    return _lever_rows("pools_form", "pools_help", rows, lang, errors, _start(content))


def _group_inputs(key: str, content: dict, lang: str, errors: FormErrors) -> dict[str, float]:
    groups = V.lever_groups(content)
    if not groups:
        return {}
    st.markdown(f"**{t('lever_groups', lang)}**")
    st.caption(t("lever_groups_help", lang))
    cols = st.columns(min(len(groups), 4))
    out = {}
    for k, (g, spec) in enumerate(groups.items()):
        label = (spec.get("label_de") if lang == "de" else "") or spec.get("label") or g
        out[g] = num_field(cols[k % len(cols)], f"{label} ×", 1.0, lang, f"{key}-group-{g}", errors)
    return out


def _inflow_inputs(key: str, content: dict, lang: str, errors: FormErrors) -> tuple[float, dict[str, float]]:
    pop = content.get("population", {})
    waves = pop.get("waves", {})
    if not pop.get("inflow") and not waves:
        return 1.0, {}
    st.markdown(f"**{t('inflow_section', lang)}**")
    cols = st.columns(4)
    inflow = 1.0
    if pop.get("inflow"):
        per = show_number(float(pop["inflow"]["per_month"]), lang)
        inflow = num_field(cols[0], t("inflow_factor", lang, per=per), 1.0, lang, f"{key}-inflow", errors)
    out = {}
    for k, (w, spec) in enumerate(waves.items(), start=1):
        per = show_number(float(spec["per_month"]), lang)
        out[w] = num_field(
            cols[k % 4],
            t("wave_factor", lang, wave=w, start=spec["start"], end=spec["end"], per=per),
            1.0,
            lang,
            f"{key}-wave-{w}",
            errors,
        )
    return inflow, out


def _programme_inputs(
    key: str, base: V.Changes, content: dict, lang: str, errors: FormErrors
) -> dict[str, V.ProgrammeChange]:
    """One row per programme (its label): places (empty = unlimited), duration factor, cost, yearly quota."""
    st.markdown(f"**{t('programmes_form', lang)}**")
    if not base.programmes:
        st.caption(t("no_programmes", lang))
        return {}
    st.caption(t("places_help", lang))
    widths = [4, 1, 1, 1, 1]
    head = st.columns(widths)
    for col, k in zip(head, ("programme", "places", "duration_factor", "cost_per_month", "entries_per_year")):
        col.markdown(f"**{t(k, lang)}**")
    out = {}
    initial = content.get("population", {}).get("initial", {}).get("programmes", {})
    start = _start(content)
    shorts = {n: short_label(programme_label(content, n, lang)) for n in base.programmes}
    names = {n: sh if list(shorts.values()).count(sh) == 1 else f"{sh} ({n})" for n, sh in shorts.items()}
    with st.container(height=min(60 + 64 * len(base.programmes), 520)):
        for name, p in base.programmes.items():
            label = programme_label(content, name, lang)
            c = st.columns(widths, vertical_alignment="center")
            day_one = initial.get(name, {}).get("participants", 0)
            c[0].markdown(
                f"{without_sources(label)}  \n<small>{t('day_one', lang, n=day_one)}</small>", unsafe_allow_html=True
            )
            shown = names[name]  # the fields' accessible names: the programme's short label
            places = num_field(  # a number, empty (unlimited) or places over time ("40; 20 ab 01.07.2024")
                c[1],
                f"{t('places', lang)} · {shown}",
                p.places,
                lang,
                f"{key}-places-{name}",
                errors,
                optional=True,
                integer=True,
                hidden=True,
                start=start,
            )
            factor = num_field(
                c[2],
                f"{t('duration_factor', lang)} · {shown}",
                1.0,
                lang,
                f"{key}-dur-{name}",
                errors,
                minimum=0.05,
                maximum=20,
                hidden=True,
            )
            cost = num_field(
                c[3],
                f"{t('cost_per_month', lang)} · {shown}",
                p.cost_per_month,
                lang,
                f"{key}-cost-{name}",
                errors,
                hidden=True,
            )
            quota = num_field(
                c[4],
                f"{t('entries_per_year', lang)} · {shown}",
                p.entries_per_year,
                lang,
                f"{key}-quota-{name}",
                errors,
                optional=True,
                integer=True,
                hidden=True,
                start=start,
            )
            out[name] = V.ProgrammeChange(places, float(factor), float(cost), quota)
    return out


def _hazard_inputs(key: str, content: dict, lang: str, errors: FormErrors) -> dict[str, float]:
    """One factor per hazard rate (1 = as in the scenario, 0 = off), in a fold."""
    hazards = content.get("hazards", {})
    out = {}
    with st.expander(t("switches", lang), expanded=False):
        st.caption(t("switches_help", lang))
        cols = st.columns(3)
        for k, (h, spec) in enumerate(hazards.items()):
            label = t(
                "hazard_label",
                lang,
                name=h,
                rate=show_number(float(spec.get("rate_per_month", 0)), lang),
                to=target_label(spec.get("to", ""), content, lang),
            )
            out[h] = num_field(cols[k % 3], label, 1.0, lang, f"{key}-haz-{h}", errors)
    return out


def programme_label(content: dict, name: str, lang: str) -> str:
    """A programme as planners know it: its label in the language (German `label_de`), else its name."""
    p = content.get("programmes", {}).get(name, {})
    return (p.get("label_de") if lang == "de" else "") or p.get("label") or name


def without_sources(label: str) -> str:
    """A label without its bracketed source references: 'Sprachkompass: überbrückt … [000, 4.3.1]' without
    '[000, 4.3.1]'."""
    import re

    return re.sub(r"\s*\[[^\]]*\]", "", label).strip() or label


def short_label(label: str) -> str:
    """A programme's label without its description and sources: 'Sprachkompass: überbrückt … [000, 4.3.1]'
    is 'Sprachkompass'."""
    import re

    return re.sub(r"\s*\[[^\]]*\]", "", label).split(":")[0].strip() or label


def target_label(to: str, content: dict, lang: str) -> str:
    """A hazard's target as planners read it: the programme's label, the exit's kind."""
    from simulation.report.labels import exit_label

    if to.startswith("programme:"):
        return programme_label(content, to.split(":", 1)[1], lang)
    if to.startswith("exit:"):
        return exit_label(to.split(":", 1)[1], lang)
    return t(f"state_{to}", lang) if f"state_{to}" in _labels() else to


def _labels():
    from simulation.report.labels import LABELS

    return LABELS


# --- the list of variants -----------------------------------------------------------------


def variants_state(key: str) -> list[dict]:
    """The variants defined for this base (a new base starts an empty list)."""
    if st.session_state.get("variants_of") != key:
        st.session_state["variants_of"] = key
        st.session_state["variants"] = []
    return st.session_state["variants"]


def _free_stem(name: str, base_name: str, items: list[dict]) -> str:
    stem = V.safe_name(name)
    taken = {base_name} | {v["stem"] for v in items}
    k = 2
    while stem in taken:
        stem, k = f"{V.safe_name(name)}_{k}", k + 1
    return stem


def add_variant(
    items: list[dict], base_name: str, content: dict, changes: V.Changes, lang: str, start: dict | None = None
) -> None:
    """The form's variant into the list; started from a file variant, it is that file with the changed lines."""
    variant = V.apply(start["content"] if start else content, changes)
    diffs = [d for d in V.differences(content, variant) if d[0] != "name"]
    item = {
        "name": changes.name,
        "stem": _free_stem(changes.name, base_name, items),
        "content": variant,
        "diffs": diffs,
    }
    if start:
        item["source"] = start["source"]  # the file's text and resolved content: the download keeps it
    items.append(item)


def add_file_variant(items: list[dict], base_name: str, content: dict, other: dict, text: str, stem: str) -> None:
    """A scenario file (shipped or uploaded) as a variant: run as it resolves, downloaded as it is written."""
    if len(items) >= MAX_VARIANTS or stem in {v["stem"] for v in items}:
        return
    name = str(other.get("name") or stem)
    items.append(
        {
            "name": name,
            "stem": _free_stem(stem, base_name, items),
            "content": other,
            "diffs": [d for d in V.differences(content, other) if d[0] != "name"],
            "source": {"text": text, "resolved": other},
        }
    )


def file_variants(items: list[dict], key: str, base_name: str, content: dict, scenarios_dir: Path, lang: str) -> None:
    """Scenario files of the app's directory added as variants of the base (e.g. the shipped variants)."""
    files = [p for p in V.list_scenarios(scenarios_dir) if V.safe_name(p.stem) != base_name]
    if not files:
        return
    c = st.columns([4, 1], vertical_alignment="bottom")
    chosen = c[0].multiselect(
        t("add_files", lang),
        files,
        key=f"{key}-files",
        format_func=lambda p: str(p.relative_to(scenarios_dir)),
        placeholder=t("choose_files", lang),
    )
    if c[1].button(t("add_files_button", lang), key=f"{key}-files-add", disabled=not chosen):
        for p in chosen:
            try:
                other = V.load_path(p)
            except ScenarioError as e:
                show_problems(e, lang)
                continue
            add_file_variant(items, base_name, content, other, p.read_text(encoding="utf-8"), V.safe_name(p.stem))
        st.rerun()  # the form above offers the new file variants as starting points


def upload_variant(items: list[dict], key: str, base_name: str, content: dict, scenarios_dir: Path, lang: str) -> None:
    """An uploaded file as a variant: a file with `extends` (of one of the app's scenarios) or a whole scenario."""
    c = st.columns([3, 1], vertical_alignment="bottom")
    upload = c[0].file_uploader(t("upload_variant", lang), type=["toml"], key=f"{key}-upload-variant")
    if upload is None:
        c[1].button(t("add_upload_button", lang), key=f"{key}-upload-add", disabled=True)
        return
    data = upload.getvalue()
    try:
        other = V.load_upload(data, upload.name, scenarios_dir)
    except ScenarioError as e:
        c[1].button(t("add_upload_button", lang), key=f"{key}-upload-add", disabled=True)
        show_problems(e, lang)
        return
    if c[1].button(t("add_upload_button", lang), key=f"{key}-upload-add"):
        add_file_variant(items, base_name, content, other, data.decode("utf-8"), V.safe_name(Path(upload.name).stem))
        st.rerun()


def variants_list(items: list[dict], content: dict, lang: str) -> None:
    st.subheader(t("variants_list", lang, n=len(items), max=MAX_VARIANTS))
    if not items:
        st.caption(t("no_variants", lang))
        return
    for k, item in enumerate(list(items)):
        c = st.columns([3, 6, 2], vertical_alignment="center")
        c[0].markdown(f"**{item['name']}**")
        said = [describe(p, b, v, content, lang) for p, b, v in item["diffs"]]
        c[1].caption("; ".join(said[:6]) + (" …" if len(said) > 6 else "") if said else t("no_changes", lang))
        if len(said) > 6:
            with c[1].expander(t("all_changes", lang, n=len(said))):
                st.markdown("\n".join(f"- {_escape(line)}" for line in said))
        if c[2].button(t("remove", lang), key=f"remove-{item['stem']}"):
            items.pop(k)
            st.rerun()


# --- the run in the background ------------------------------------------------------------


def start_run(source: tuple, items: list[dict], settings: dict, lang: str, work_root: str | None) -> None:
    """Write base and variants (validated), start `jobpath compare` in the background."""
    key, base_name, base_file, content = source
    if work_root:
        Path(work_root).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    stamp = f"{datetime.now():%Y-%m-%d %H:%M}"
    comments = {v["stem"]: t("variant_comment", lang, name=v["name"], base=base_file, when=stamp) for v in items}
    try:
        paths = V.write_scenarios(
            work, base_name, content, [(v["stem"], v["content"], comments[v["stem"]]) for v in items]
        )
    except ScenarioError as e:
        shutil.rmtree(work, ignore_errors=True)
        show_problems(e, lang, "invalid_variant")
        return
    job = V.start_comparison(
        work, paths, settings["replications"], settings["years"], settings["seed"], settings["workers"]
    )
    downloads = {
        v["stem"]: V.file_variant_toml(v["source"]["text"], v["source"]["resolved"], v["content"], comments[v["stem"]])
        if v.get("source")
        else V.extends_toml(base_file, content, v["content"], comments[v["stem"]])
        for v in items
    }
    st.session_state["job"] = {
        "job": job,
        "base": base_name,
        "base_content": content,
        "names": {v["stem"]: v["name"] for v in items},
        "downloads": downloads,
        "settings": dict(settings),
        "diffs": {v["stem"]: v["diffs"] for v in items},
    }


def run_status(lang: str) -> None:
    """Progress of the background run with a cancel button; when it ends, its results replace the last."""
    entry = st.session_state.get("job")
    if not entry:
        return
    job: V.RunJob = entry["job"]
    if job.state == "running":
        done = job.done_count()
        st.progress(done / job.total, text=progress_text(done, job.total, V.time.monotonic() - job.started, lang))
        if st.button(t("cancel", lang), key="cancel-run"):
            job.cancel()
            job.wait(15)
        else:
            return
    st.session_state.pop("job")
    if job.state == "done":
        _forget_last()
        entry.update(work=str(job.work), out=str(job.out), seconds=job.seconds, reports={})
        st.session_state["last"] = entry
    else:
        shutil.rmtree(job.work, ignore_errors=True)
        st.session_state["run_message"] = (job.state, job.error)
    st.rerun(scope="app")


def progress_text(done: int, total: int, elapsed: float, lang: str) -> str:
    """Where the run is, with the time it has taken and, once a replication is done, about how long is left
    (replications take about the same time each; the summaries at the end take a few more seconds)."""
    seconds = number(elapsed, 0, lang)
    if done >= total:
        return t("summarising", lang, total=total, seconds=seconds)
    if done == 0:
        return t("running_first", lang, total=total, seconds=seconds)
    left = elapsed / done * (total - done)
    return t("running", lang, done=done, total=total, seconds=seconds, left=_duration(left, lang))


def _duration(seconds: float, lang: str) -> str:
    if seconds < 90:
        return t("about_seconds", lang, n=number(max(5.0, 5 * round(seconds / 5)), 0, lang))
    return t("about_minutes", lang, n=number(seconds / 60, 0, lang))


def _forget_last() -> None:
    last = st.session_state.pop("last", None)
    if last:
        shutil.rmtree(last["work"], ignore_errors=True)


# --- the results --------------------------------------------------------------------------


def results(lang: str) -> None:
    """The last comparison: summary for decision, all variants side by side, downloads, figures."""
    last = st.session_state.get("last")
    if not last or not Path(last["out"]).is_dir():
        return
    from simulation.report import figures as F
    from simulation.report import tables
    from simulation.report.build import build
    from simulation.report.data import load_results
    from simulation.report.targets import targets_for

    st.header(t("results", lang))
    coming = st.empty()
    coming.caption(t("preparing_results", lang))
    res = load_results(last["out"])
    targets = targets_for(None, res.programmes)
    coming.empty()
    st.success(t("done", lang, total=sum(res.replications.values()), seconds=number(last["seconds"], 0, lang)))
    years = F.years(res)
    year = st.selectbox(t("summary_year", lang), years, index=len(years) - 1, key="summary-year") if years else None
    st.subheader(t("sec_summary", lang))
    st.caption(t("summary_note", lang, year=year))
    st.table(tables.summary_frame(res, lang, year).set_index(t("variant", lang)))
    if len(years) > 1 and year == years[0]:
        st.caption(t("slow_effects", lang))
    c = st.columns(4)
    c[0].download_button(
        t("download_excel", lang),
        exports.workbook(res, lang),
        file_name="vergleich.xlsx" if lang == "de" else "comparison.xlsx",
        on_click="ignore",
        key="dl-excel",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    c[1].download_button(
        t("download_csv", lang),
        exports.csv_bytes(res, lang),
        file_name="vergleich.csv" if lang == "de" else "comparison.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl-csv",
    )
    c[2].download_button(
        t("download_results", lang),
        V.results_zip(Path(last["out"])),
        file_name=f"{last['base']}-results.zip",
        mime="application/zip",
        on_click="ignore",
        key="dl-results",
    )
    if lang in last["reports"]:
        c[3].download_button(
            t("download_report", lang),
            last["reports"][lang],
            file_name=f"{last['base']}-report.html",
            mime="text/html",
            on_click="ignore",
            key="dl-report",
        )
    elif c[3].button(t("make_report", lang), key="make-report", help=t("make_report_help", lang)):
        with st.spinner(t("making_report", lang)):
            last["reports"][lang] = build(res, lang, targets).html.encode("utf-8")
        st.rerun()
    st.markdown(f"**{t('download_variant', lang)}**")
    dc = st.columns(max(len(last["downloads"]), 1))
    for k, (stem, text) in enumerate(last["downloads"].items()):
        dc[k].download_button(
            last["names"].get(stem, stem),
            text,
            file_name=f"{stem}.toml",
            mime="application/toml",
            on_click="ignore",
            key=f"dl-variant-{stem}",
        )
    st.subheader(t("sec_comparison", lang))
    st.caption(t("side_note", lang))
    st.table(tables.side_by_side_frame(res, lang).set_index([t("indicator", lang), t("period", lang)]))
    if tables.has_budgets(res):
        st.subheader(t("sec_budgets", lang))
        st.caption(t("budgets_note", lang))
        st.table(
            exports.budget_frame(res, lang).set_index(
                [t("scenario_col", lang), t("budget_name", lang), t("period", lang)]
            )
        )
    staffing = exports.staffing_frame(res, lang)
    if not staffing.empty:
        st.subheader(t("sec_staffing", lang))
        st.caption(t("staffing_note", lang))
        st.table(staffing.set_index([t("scenario_col", lang), t("staffing_name", lang), t("period", lang)]))
    pools = exports.pool_frame(res, lang)
    if not pools.empty:
        st.subheader(t("sec_pools", lang))
        st.caption(t("pools_note", lang))
        st.table(pools.set_index([t("scenario_col", lang), t("pool_name", lang), t("period", lang)]))
    kz = exports.kennzahlen_frame(res, lang)
    if not kz.empty:
        st.subheader(t("sec_kennzahlen", lang))
        st.caption(t("kennzahlen_app_note", lang))
        st.table(kz.set_index([t("indicator", lang), t("period", lang)]))
    households = exports.households_frame(res, lang)
    if not households.empty:
        st.subheader(t("sec_households", lang))
        st.caption(t("households_note", lang))
        st.table(households.set_index([t("indicator", lang), t("period", lang)]))
    with st.expander(t("comparison_details", lang), expanded=False):
        st.caption(t("comparison_note", lang))
        st.table(tables.comparison_frame(res, lang).set_index(t("variant", lang)))
    with st.expander(t("changes", lang), expanded=False):
        for stem, diffs in last["diffs"].items():
            st.markdown(f"**{last['names'].get(stem, stem)}**")
            if diffs:
                st.markdown(
                    "\n".join(
                        f"- {_escape(describe(p, b, v, last.get('base_content', {}), lang))}" for p, b, v in diffs
                    )
                )
            else:
                st.write(t("no_changes", lang))
    coming = st.empty()
    coming.caption(t("preparing_figures", lang))
    figures = F.comparison_figures(res, lang)
    coming.empty()
    for fig in figures:
        st.plotly_chart(fig)
    st.subheader(t("sec_indicators", lang))
    coming = st.empty()
    coming.caption(t("preparing_figures", lang))
    figures = F.indicator_figures(res, lang, targets)
    coming.empty()
    for fig in figures:
        st.plotly_chart(fig)
    st.divider()


def main() -> None:
    st.set_page_config(page_title="jobpath", layout="wide")
    lang = st.sidebar.radio(
        t("language"), ["en", "de"], format_func=lambda x: t(f"lang_{x}", x), horizontal=True, key="lang"
    )
    uploader_texts(lang)
    st.title(t("app_title", lang))
    st.caption(t("app_intro", lang))
    opts = options()
    scenarios_dir = Path(opts.scenarios)
    try:
        message = st.session_state.pop("run_message", None)
        if message:
            state, error = message
            if state == "cancelled":
                st.warning(t("run_cancelled", lang))
            else:
                st.error(f"**{t('run_failed', lang)}**: {error}")
        results(lang)  # the last comparison first: what a planner came back for
        source = choose_source(lang, scenarios_dir)
        if source is not None:
            key, base_name, _, content = source
            errors = FormErrors()
            settings = run_settings(key, content, lang, errors)
            items = variants_state(key)
            start = start_point(key, base_name, items, lang)
            fkey = key if start is None else f"{key}-from-{start['stem']}"
            st.fragment(variant_editor)(fkey, base_name, content, start, items, lang)
            file_variants(items, key, base_name, content, scenarios_dir, lang)
            upload_variant(items, key, base_name, content, scenarios_dir, lang)
            variants_list(items, content, lang)
            running = "job" in st.session_state
            if errors:
                st.error(
                    "\n".join(
                        [f"**{t('invalid_input', lang)}**", ""]
                        + [f"- {label}: {text!r} – {what}" for label, text, what in errors]
                    )
                )
            elif st.button(
                t("run_button", lang, n=len(items)), type="primary", disabled=running or not items, key="run"
            ):
                start_run(source, items, settings, lang, opts.work)
            if "job" in st.session_state:
                st.fragment(run_every=0.5)(run_status)(lang)
    except Exception as e:  # the page shows a message, never a stack trace
        st.error(f"**{t('run_failed', lang)}**: {type(e).__name__}: {e}")


if __name__ == "__main__":  # Streamlit runs the page as __main__; worker processes that import it must not
    main()
