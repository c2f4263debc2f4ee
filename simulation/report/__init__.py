"""What planners see: a self-contained HTML report (plotly figures) of a run, batch or comparison.

`build_report(results_dir, lang, out, png_dir)` is the entry point; `jobpath report` calls it.
"""
