"""The web page (a Streamlit script): pick a scenario, change it, compare variant and base, download.

Started by `jobpath app`; arguments after `--`: --scenarios DIR. Every message a planner
reads comes from the report's label dictionary; errors are shown as messages, never as
stack traces.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import streamlit as st

from simulation.app import variant as V
from simulation.errors import ScenarioError
from simulation.report.labels import t

REPLICATIONS_DEFAULT = 5


def options() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="jobpath app page")
    p.add_argument("--scenarios", default="scenarios")
    p.add_argument("--work", default=None, help="directory for the runs' files (removed when the app stops)")
    args, _ = p.parse_known_args(sys.argv[1:])
    return args


def show_problems(e: ScenarioError, lang: str, key: str = "invalid_scenario") -> None:
    """A scenario error as a readable message: the file, then each field and what is wrong."""
    lines = [f"**{t(key, lang)}**: `{e.file}`", ""]
    lines += [f"- `{path or '(file)'}`: {msg}" for path, msg in e.problems]
    st.error("\n".join(lines))


def choose_source(lang: str, scenarios_dir: Path) -> tuple[str, str, dict] | None:
    """The base scenario (key for widget state, short name, resolved content), or None with a message."""
    files = V.list_scenarios(scenarios_dir)
    choice = None
    if files:
        choice = st.sidebar.selectbox(t("scenario", lang), files, key="scenario",
                                      format_func=lambda p: str(p.relative_to(scenarios_dir)))
    upload = st.sidebar.file_uploader(t("upload", lang), type=["toml"], key="upload")
    if upload is not None:
        data = upload.getvalue()
        try:
            content = V.load_upload(data, upload.name, scenarios_dir)
        except ScenarioError as e:
            show_problems(e, lang)
            return None
        digest = hashlib.sha256(data).hexdigest()[:12]
        return f"upload-{digest}", V.safe_name(Path(upload.name).stem), content
    if choice is None:
        st.info(t("no_scenarios", lang, dir=scenarios_dir))
        return None
    try:
        content = V.load_path(choice)          # read on every rerun: a few ms, and never stale
    except ScenarioError as e:
        show_problems(e, lang)
        return None
    return f"file-{V.safe_name(str(choice.relative_to(scenarios_dir)))}", V.safe_name(choice.stem), content


def variant_form(key: str, name: str, content: dict, lang: str):
    """The form: run settings, programmes, switches. Returns (submitted, settings, changes)."""
    base = V.current(content)
    with st.form(key=f"form-{key}"):
        st.subheader(t("run_settings", lang))
        c = st.columns(5)
        years = c[0].number_input(t("years", lang), min_value=0.1, max_value=50.0, step=0.5, key=f"{key}-years",
                                  value=float(content.get("time", {}).get("years", 1)))
        reps = c[1].number_input(t("replications", lang), min_value=2, max_value=200, step=1,
                                 value=REPLICATIONS_DEFAULT, key=f"{key}-reps")
        seed = c[2].number_input(t("seed", lang), min_value=0, step=1, value=1, key=f"{key}-seed")
        workers = c[3].number_input(t("workers", lang), min_value=1, max_value=2, step=1, value=1, key=f"{key}-workers")
        vname = c[4].text_input(t("variant_name", lang), value=f"{name} variant", key=f"{key}-vname")
        programmes = _programme_inputs(key, base, lang)
        off = _switches(key, content, lang)
        submitted = st.form_submit_button(t("run_button", lang), type="primary")
    settings = {"years": float(years), "replications": int(reps), "seed": int(seed), "workers": int(workers)}
    return submitted, settings, V.Changes(vname.strip() or f"{name} variant", programmes, off)


def _programme_inputs(key: str, base: V.Changes, lang: str) -> dict[str, V.ProgrammeChange]:
    """One row per programme: places (empty = unlimited), duration factor, cost, yearly quota (empty = none)."""
    st.subheader(t("programmes_form", lang))
    if not base.programmes:
        st.caption(t("no_programmes", lang))
        return {}
    st.caption(t("places_help", lang))
    widths = [2, 1, 1, 1, 1]
    head = st.columns(widths)
    for col, k in zip(head[1:], ("places", "duration_factor", "cost_per_month", "entries_per_year")):
        col.markdown(f"**{t(k, lang)}**")
    out = {}
    hidden = "collapsed"
    with st.container(height=min(40 + 56 * len(base.programmes), 460)):
        for name, p in base.programmes.items():
            c = st.columns(widths, vertical_alignment="center")
            c[0].markdown(f"**{name}**")
            places = c[1].number_input(f"{t('places', lang)} · {name}", min_value=0, step=1, value=p.places,
                                       placeholder=t("unlimited", lang), key=f"{key}-places-{name}",
                                       label_visibility=hidden)
            factor = c[2].number_input(f"{t('duration_factor', lang)} · {name}", min_value=0.05, max_value=20.0,
                                       step=0.1, value=1.0, format="%.2f", key=f"{key}-dur-{name}",
                                       label_visibility=hidden)
            cost = c[3].number_input(f"{t('cost_per_month', lang)} · {name}", min_value=0.0, step=50.0,
                                     value=float(p.cost_per_month), key=f"{key}-cost-{name}",
                                     label_visibility=hidden)
            quota = c[4].number_input(f"{t('entries_per_year', lang)} · {name}", min_value=0, step=1,
                                      value=p.entries_per_year, placeholder="–", key=f"{key}-quota-{name}",
                                      label_visibility=hidden)
            out[name] = V.ProgrammeChange(None if places is None else int(places), float(factor), float(cost),
                                          None if quota is None else int(quota))
    return out


def _switches(key: str, content: dict, lang: str) -> set[str]:
    """One checkbox per hazard; unticked = rate 0 (e.g. Jobturbo off)."""
    hazards = content.get("hazards", {})
    st.subheader(t("switches", lang))
    st.caption(t("switches_help", lang))
    off = set()
    with st.container(height=min(60 + 14 * len(hazards), 300)):
        cols = st.columns(3)
        for k, (h, spec) in enumerate(hazards.items()):
            label = f"{h} ({float(spec.get('rate_per_month', 0)):g} {t('rate', lang)} → {spec.get('to', '')})"
            if not cols[k % 3].checkbox(label, value=True, key=f"{key}-haz-{h}"):
                off.add(h)
    return off


def run(name: str, content: dict, settings: dict, changes: V.Changes, lang: str, work_root: str | None) -> None:
    """Validate the variant, run the comparison with a progress bar, keep the results in the session."""
    variant = V.apply(content, changes)
    vname = V.safe_name(changes.name)
    if vname == name:
        vname = f"{vname}_variant"
    try:
        V.validate(variant, f"{vname}.toml")
    except ScenarioError as e:
        show_problems(e, lang, "invalid_variant")
        return
    diffs = [d for d in V.differences(content, variant) if d[0] != "name"]
    _forget_last()
    if work_root:
        Path(work_root).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
    bar = st.progress(0.0, text=t("running", lang, done=1, total=2 * settings["replications"]))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=t("running", lang, done=min(done + 1, total), total=total))

    try:
        comp = V.run_comparison(content, variant, name, vname, work, settings["replications"], settings["years"],
                                settings["seed"], settings["workers"], progress)
    except (ScenarioError, ValueError) as e:
        bar.empty()
        shutil.rmtree(work, ignore_errors=True)
        st.error(f"**{t('run_failed', lang)}**: {e}")
        return
    bar.progress(1.0, text=t("done", lang, total=2 * settings["replications"], seconds=comp.seconds))
    comment = (f"{changes.name}: variant of {name}, written by jobpath app on {datetime.now():%Y-%m-%d %H:%M}\n"
               + "\n".join(f"{p}: {b!r} -> {v!r}" for p, b, v in diffs))
    st.session_state["last"] = {"work": str(work), "out": str(comp.out), "base": name, "variant": vname,
                                "seconds": comp.seconds, "toml": V.to_toml(variant, comment), "diffs": diffs,
                                "reports": {}}


def _forget_last() -> None:
    last = st.session_state.pop("last", None)
    if last:
        shutil.rmtree(last["work"], ignore_errors=True)


def results(lang: str) -> None:
    """The last comparison: downloads, the table of differences and the report's figures."""
    last = st.session_state.get("last")
    if not last or not Path(last["out"]).is_dir():
        return
    from simulation.report import figures as F
    from simulation.report import sankey, tables
    from simulation.report.build import build
    from simulation.report.data import load_results
    from simulation.report.targets import targets_for
    res = load_results(last["out"])
    targets = targets_for(None, res.programmes)
    st.header(t("results", lang))
    with st.expander(t("changes", lang), expanded=False):
        if last["diffs"]:
            st.table([{t("field", lang): p, t("base", lang): str(b), t("variant", lang): str(v)}
                      for p, b, v in last["diffs"]])
        else:
            st.write(t("no_changes", lang))
    if lang not in last["reports"]:
        last["reports"][lang] = build(res, lang, targets).html.encode("utf-8")
    c = st.columns(3)
    c[0].download_button(t("download_variant", lang), last["toml"], file_name=f"{last['variant']}.toml",
                         mime="application/toml", on_click="ignore", key="dl-variant")
    c[1].download_button(t("download_results", lang), V.results_zip(Path(last["out"])),
                         file_name=f"{last['variant']}-results.zip", mime="application/zip", on_click="ignore",
                         key="dl-results")
    c[2].download_button(t("download_report", lang), last["reports"][lang], file_name=f"{last['variant']}-report.html",
                         mime="text/html", on_click="ignore", key="dl-report")
    st.subheader(t("sec_comparison", lang))
    st.caption(t("comparison_note", lang))
    st.table(tables.comparison_frame(res, lang))
    for fig in F.comparison_figures(res, lang):
        st.plotly_chart(fig)
    st.subheader(t("sec_indicators", lang))
    for fig in F.indicator_figures(res, lang, targets):
        st.plotly_chart(fig)
    st.caption(t("kennzahlen_note", lang))
    st.table(tables.kennzahlen_frame(res, lang))
    st.subheader(t("sec_programmes", lang))
    for _, fig in F.entries_figures(res, lang, targets) + F.cost_figures(res, lang):
        st.plotly_chart(fig)
    if res.programmes:
        p = st.selectbox(t("programme", lang), res.programmes, key="programme-shown")
        st.plotly_chart(F.programme_figure(res, p, lang))
    st.subheader(t("sec_pathways", lang))
    for scen in res.scenarios:
        spells = res.spells(scen)
        if spells is not None and not spells.empty:
            st.plotly_chart(F.sankey_figure(sankey.flows(spells), scen, lang))


def main() -> None:
    st.set_page_config(page_title="jobpath", layout="wide")
    lang = st.sidebar.radio(t("language"), ["en", "de"], format_func=lambda x: t(f"lang_{x}", x),
                            horizontal=True, key="lang")
    st.title(t("app_title", lang))
    st.caption(t("app_intro", lang))
    opts = options()
    scenarios_dir = Path(opts.scenarios)
    try:
        source = choose_source(lang, scenarios_dir)
        if source is not None:
            key, name, content = source
            submitted, settings, changes = variant_form(key, name, content, lang)
            if submitted:
                run(name, content, settings, changes, lang, opts.work)
        results(lang)
    except Exception as e:  # the page shows a message, never a stack trace
        st.error(f"**{t('run_failed', lang)}**: {type(e).__name__}: {e}")


if __name__ == "__main__":   # Streamlit runs the page as __main__; worker processes that import it must not
    main()
