"""The comparison as files a board's staff open in a spreadsheet: an Excel workbook and a CSV table.

Both hold numbers, not text: rates in %, their differences in percentage points, money in
euros. The CSV follows the language's spreadsheet convention (German: `;` and decimal comma).
"""

from __future__ import annotations

import io

import pandas as pd

from ..report import tables
from ..report.data import Results
from ..report.labels import t


def summary_numbers(res: Results, lang: str) -> pd.DataFrame:
    """The summary for decision per variant and year, as numbers with the language's headers."""
    from ..report.figures import years

    names = res.display_names()
    rows = []
    for year in years(res):
        for r in tables.summary_numbers(res, year).to_dict("records"):
            rows.append(
                {
                    t("variant", lang): names.get(r["variant"], r["variant"]),
                    t("period", lang): year,
                    t("integrations", lang): r.get("integrations"),
                    t("significant", lang) + " (1)": tables.yes_no(r.get("integrations_sig"), lang),
                    t("iq_pp", lang): None if pd.isna(r.get("iq")) else 100 * r.get("iq"),
                    t("significant", lang) + " (2)": tables.yes_no(r.get("iq_sig"), lang),
                    t("lzb_stock", lang): r.get("lzb_stock"),
                    t("significant", lang) + " (3)": tables.yes_no(r.get("lzb_stock_sig"), lang),
                    t("cost_difference", lang): r.get("cost"),
                    t("significant", lang) + " (4)": tables.yes_no(r.get("cost_sig"), lang),
                    t("total_cost", lang): r.get("cost_total"),
                    t("budget_col", lang): r.get("budget"),
                    t("committed_col", lang): r.get("committed"),
                    t("budgets_col", lang): r.get("budgets"),
                }
            )
    df = pd.DataFrame(rows)
    if len(df) and df[t("budgets_col", lang)].isna().all():  # no scenario with [budgets]
        df = df.drop(columns=[t("committed_col", lang), t("budgets_col", lang)])
    return df


def budget_frame(res: Results, lang: str, text: bool = True) -> pd.DataFrame:
    """Commitments against each budget per scenario and year (text in the language's format, or numbers)."""
    b = tables.budget_numbers(res)
    if b.empty:
        return b
    names = res.display_names()
    if text:
        return pd.DataFrame(
            {
                t("scenario_col", lang): b["scenario"].map(lambda s: names.get(s, s)),
                t("budget_name", lang): b["budget"],
                t("period", lang): b["period"],
                t("committed_col", lang): [tables.number(x, 0, lang) for x in b["committed"]],
                t("budget_year_col", lang): [tables.number(x, 0, lang) for x in b["budget_year"]],
                t("share_committed", lang): [tables.number(100 * x, 1, lang) + " %" for x in b["share"]],
            }
        )
    return pd.DataFrame(
        {
            t("scenario_col", lang): b["scenario"].map(lambda s: names.get(s, s)),
            t("budget_name", lang): b["budget"],
            t("period", lang): b["period"],
            t("committed_col", lang): b["committed"],
            t("budget_year_col", lang): b["budget_year"],
            t("share_committed", lang): 100 * b["share"],
        }
    )


def _yearly_means(res: Results, table: str, key: str, columns: list[str]) -> pd.DataFrame:
    """A per-month table of the batch output (`staffing_monthly`, `pool_monthly`) as means per scenario, `key` and
    year: first over the year's months within a replication, then over the replications. Empty if no scenario
    has the table."""
    frames = []
    for scen in res.scenarios:
        files = sorted((res.path / table / scen).glob("rep-*.parquet")) if res.path else []
        if files:
            df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
            df["scenario"] = scen
            frames.append(df)
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    df["period"] = df["month"].astype(str).str[:4]
    for c in columns:
        df[c] = pd.to_numeric(df[c], errors="coerce").replace([float("inf"), -float("inf")], float("nan"))
    if "replication" not in df:
        df["replication"] = 1
    order = {s: k for k, s in enumerate(res.scenarios)}
    per_rep = df.groupby(["scenario", key, "period", "replication"], sort=False)[columns].mean()
    out = per_rep.groupby(level=["scenario", key, "period"], sort=False).mean().reset_index()
    first = {k: i for i, k in enumerate(dict.fromkeys(df[key]))}  # the groups in file order
    return (
        out.assign(_o=out["scenario"].map(order), _k=out[key].map(first))
        .sort_values(["_o", "_k", "period"], kind="stable")
        .drop(columns=["_o", "_k"])
        .reset_index(drop=True)
    )


def staffing_numbers(res: Results) -> pd.DataFrame:
    """Per scenario, staffing group and year: mean case managers, customers, caseload (customers per case manager)
    and rate factor, from `staffing_monthly` (mean over months, then replications). Empty without staffing."""
    return _yearly_means(res, "staffing_monthly", "staffing", ["staff", "customers", "caseload", "factor"])


def pool_numbers(res: Results) -> pd.DataFrame:
    """Per scenario, pool and year: mean participants, places, participants / places and waiting, from
    `pool_monthly` (mean over months, then replications). Empty without pools."""
    out = _yearly_means(res, "pool_monthly", "pool", ["participants", "places", "waiting"])
    if len(out):
        out["occupancy"] = out["participants"] / out["places"]
    return out


def _group_label(res: Results, scenario: str, section: str, name: str, lang: str) -> str:
    spec = res.contents.get(scenario, {}).get(section, {}).get(name, {})
    label = (spec.get("label_de") if lang == "de" else "") or spec.get("label") or ""
    return f"{label} ({name})" if label else name


def _formatter(text: bool, lang: str):
    """Numbers as text in the language's format with d decimals ("–" if missing), or left as numbers."""
    return (lambda x, d: "–" if pd.isna(x) else tables.number(x, d, lang)) if text else (lambda x, d: x)


def staffing_frame(res: Results, lang: str, text: bool = True) -> pd.DataFrame:
    """The mean caseload per scenario, staffing group and year (text in the language's format, or numbers)."""
    s = staffing_numbers(res)
    if s.empty:
        return s
    names = res.display_names()
    fmt = _formatter(text, lang)
    return pd.DataFrame(
        {
            t("scenario_col", lang): s["scenario"].map(lambda x: names.get(x, x)),
            t("staffing_name", lang): [
                _group_label(res, sc, "staffing", g, lang) for sc, g in zip(s["scenario"], s["staffing"])
            ],
            t("period", lang): s["period"],
            t("staff_col", lang): [fmt(x, 1) for x in s["staff"]],
            t("customers_col", lang): [fmt(x, 0) for x in s["customers"]],
            t("caseload_col", lang): [fmt(x, 1) for x in s["caseload"]],
            t("factor_col", lang): [fmt(x, 3) for x in s["factor"]],
        }
    )


def pool_frame(res: Results, lang: str, text: bool = True) -> pd.DataFrame:
    """Participants against places per scenario, pool and year (text in the language's format, or numbers)."""
    q = pool_numbers(res)
    if q.empty:
        return q
    names = res.display_names()
    fmt = _formatter(text, lang)
    return pd.DataFrame(
        {
            t("scenario_col", lang): q["scenario"].map(lambda x: names.get(x, x)),
            t("pool_name", lang): [_group_label(res, sc, "pools", g, lang) for sc, g in zip(q["scenario"], q["pool"])],
            t("period", lang): q["period"],
            t("participants_col", lang): [fmt(x, 1) for x in q["participants"]],
            t("places_col", lang): [fmt(x, 1) for x in q["places"]],
            t("occupancy_col", lang): [
                fmt(100 * x, 1) + " %" if text and pd.notna(x) else fmt(100 * x, 1) for x in q["occupancy"]
            ],
            t("waiting_col", lang): [fmt(x, 1) for x in q["waiting"]],
        }
    )


def households_frame(res: Results, lang: str) -> pd.DataFrame:
    """Households and work beside benefit side by side (as kennzahlen_frame); empty without households."""
    from ..indicators import registry

    if not tables.has_households(res):
        return pd.DataFrame()
    return kennzahlen_frame(res, lang, [registry.BY_NAME[n] for n in tables.HOUSEHOLD_INDICATORS])


def kennzahlen_frame(res: Results, lang: str, indicators: list | None = None) -> pd.DataFrame:
    """The § 48a SGB II indicators (or the registry entries given) side by side: one row per indicator and
    year, one column per scenario (the base first), each the mean over replications with its 95 % interval."""
    from ..indicators import registry

    if indicators is None:
        indicators = sorted((i for i in registry.INDICATORS if i.code), key=lambda i: i.code)
    y = res.summary[res.summary["period_type"] == "year"]
    periods = sorted(y["period"].astype(str).unique())
    cells = {(r.scenario, str(r.period), r.indicator): r for r in y.itertuples()}
    names = res.display_names()
    rows = []
    for ind in indicators:
        if not any(k[2] == ind.name for k in cells):
            continue
        block = []
        for period in periods:
            row = {t("indicator", lang): ind.label(lang), t("period", lang): period}
            for k, scen in enumerate(res.scenarios):
                r = cells.get((scen, period, ind.name))
                v = "–" if r is None else tables.fmt(r.mean, ind.name, lang)
                if r is not None and r.n > 1 and v != "–" and not pd.isna(r.ci_low):
                    v += f" [{tables.fmt(r.ci_low, ind.name, lang)}; {tables.fmt(r.ci_high, ind.name, lang)}]"
                head = f"{t('base', lang)}: {names.get(scen, scen)}" if k == 0 else names.get(scen, scen)
                row[head] = v
            block.append(row)
        if any(v != "–" for row in block for v in list(row.values())[2:]):  # not modelled at all: left out
            rows += block
    return pd.DataFrame(rows)


def cost_frame(res: Results, lang: str) -> pd.DataFrame:
    names = res.display_names()
    c = tables.cost_numbers(res)
    if c.empty:
        return c
    return pd.DataFrame(
        {
            t("scenario_col", lang): c["scenario"].map(lambda s: names.get(s, s)),
            t("period", lang): c["period"],
            t("total_cost", lang): c["cost"],
            t("budget_col", lang): c["budget"],
            t("cost_difference", lang): c["diff_mean"],
            t("ci_low", lang): c["diff_ci_low"],
            t("ci_high", lang): c["diff_ci_high"],
        }
    )


def workbook(res: Results, lang: str) -> bytes:
    """An .xlsx file: summary, comparison of the headline indicators, programmes, cost (one sheet each)."""
    buf = io.BytesIO()
    sheets = [
        ("sheet_summary", summary_numbers(res, lang)),
        ("sheet_comparison", tables.comparison_numbers(res, lang)),
        ("sheet_programmes", tables.comparison_numbers(res, lang, programmes=True)),
        ("sheet_cost", cost_frame(res, lang)),
    ]
    if tables.has_budgets(res):
        sheets.append(("sheet_budgets", budget_frame(res, lang, text=False)))
    for key, df in (
        ("sheet_staffing", staffing_frame(res, lang, text=False)),
        ("sheet_pools", pool_frame(res, lang, text=False)),
        ("sheet_households", households_frame(res, lang)),
    ):
        if not df.empty:
            sheets.append((key, df))
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for key, df in sheets:
            df.to_excel(xl, sheet_name=t(key, lang), index=False)
            ws = xl.sheets[t(key, lang)]
            for k, col in enumerate(df.columns, start=1):  # columns wide enough for their headers
                ws.column_dimensions[ws.cell(1, k).column_letter].width = max(12, min(45, len(str(col)) + 2))
    return buf.getvalue()


def csv_bytes(res: Results, lang: str) -> bytes:
    """The comparison of the headline indicators and programmes as CSV (UTF-8 with BOM, for spreadsheets)."""
    df = pd.concat(
        [tables.comparison_numbers(res, lang), tables.comparison_numbers(res, lang, programmes=True)], ignore_index=True
    )
    sep, dec = (";", ",") if lang == "de" else (",", ".")
    return df.to_csv(index=False, sep=sep, decimal=dec).encode("utf-8-sig")
