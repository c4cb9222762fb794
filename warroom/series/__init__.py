"""The analyst's command, ``warroom analyze``: the analytics core over a daily report file.

Pure Python (no Django): :mod:`warroom.series.io` reads a file in the daily aggregate
report format (DESIGN §4) into per-area daily series, :mod:`warroom.series.cli` is the
Typer app the main ``warroom`` CLI mounts as ``analyze``.
"""
