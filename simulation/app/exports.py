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
            rows.append({
                t("variant", lang): names.get(r["variant"], r["variant"]), t("period", lang): year,
                t("integrations", lang): r.get("integrations"),
                t("significant", lang) + " (1)": tables.yes_no(r.get("integrations_sig"), lang),
                t("iq_pp", lang): None if pd.isna(r.get("iq")) else 100 * r.get("iq"),
                t("significant", lang) + " (2)": tables.yes_no(r.get("iq_sig"), lang),
                t("lzb_stock", lang): r.get("lzb_stock"),
                t("significant", lang) + " (3)": tables.yes_no(r.get("lzb_stock_sig"), lang),
                t("cost_difference", lang): r.get("cost"),
                t("significant", lang) + " (4)": tables.yes_no(r.get("cost_sig"), lang),
                t("total_cost", lang): r.get("cost_total"), t("budget_col", lang): r.get("budget")})
    return pd.DataFrame(rows)


def cost_frame(res: Results, lang: str) -> pd.DataFrame:
    names = res.display_names()
    c = tables.cost_numbers(res)
    if c.empty:
        return c
    return pd.DataFrame({t("scenario_col", lang): c["scenario"].map(lambda s: names.get(s, s)),
                         t("period", lang): c["period"], t("total_cost", lang): c["cost"],
                         t("budget_col", lang): c["budget"], t("cost_difference", lang): c["diff_mean"],
                         t("ci_low", lang): c["diff_ci_low"], t("ci_high", lang): c["diff_ci_high"]})


def workbook(res: Results, lang: str) -> bytes:
    """An .xlsx file: summary, comparison of the headline indicators, programmes, cost (one sheet each)."""
    buf = io.BytesIO()
    sheets = [("sheet_summary", summary_numbers(res, lang)), ("sheet_comparison", tables.comparison_numbers(res, lang)),
              ("sheet_programmes", tables.comparison_numbers(res, lang, programmes=True)),
              ("sheet_cost", cost_frame(res, lang))]
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for key, df in sheets:
            df.to_excel(xl, sheet_name=t(key, lang), index=False)
            ws = xl.sheets[t(key, lang)]
            for k, col in enumerate(df.columns, start=1):       # columns wide enough for their headers
                ws.column_dimensions[ws.cell(1, k).column_letter].width = max(12, min(45, len(str(col)) + 2))
    return buf.getvalue()


def csv_bytes(res: Results, lang: str) -> bytes:
    """The comparison of the headline indicators and programmes as CSV (UTF-8 with BOM, for spreadsheets)."""
    df = pd.concat([tables.comparison_numbers(res, lang), tables.comparison_numbers(res, lang, programmes=True)],
                   ignore_index=True)
    sep, dec = (";", ",") if lang == "de" else (",", ".")
    return df.to_csv(index=False, sep=sep, decimal=dec).encode("utf-8-sig")
