"""Progress of long work, the same on a terminal, in a log and on the web.

A long command (the demo's feed, a series import) calls :meth:`StepProgress.step` once
per unit of work (a simulated day) with the rows it handled. On a terminal it draws a bar
(rich); otherwise — a log file, ``nohup``, a worker under systemd — it prints **one line
per step** with the rates, so a log never stays silent for minutes::

    [demo] day 23/90 2020-01-23 · 48,213 rows in 6.1 s (7,904 rows/s) · simulation 0.4 s,
    ingest 4.2 s, cycle 1.5 s · elapsed 2:31 · left ~6:17 · RSS 1.9 GB

:func:`line` makes that line (the job page shows the same figures, from
:meth:`summary`). No Django here: the CLI and the job worker both use it.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO


def clock(seconds: float) -> str:
    """``seconds`` as ``H:MM:SS`` or ``M:SS``."""
    s = round(max(seconds, 0.0))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def peak_rss_bytes() -> int:
    """The peak resident memory of this process and of its waited-for children (bytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB
    return max(own, children) * scale


def current_rss_bytes() -> int:
    """This process's resident memory now (Linux ``/proc``; else the peak)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return peak_rss_bytes()
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


@dataclass
class StepProgress:
    """Progress over ``total`` steps: a bar on a terminal, else one log line per step."""

    total: int
    label: str = "progress"
    unit: str = "day"
    out: TextIO | None = None
    bar: bool | None = None  # None: a bar when ``out`` is a terminal
    started: float = field(default_factory=time.perf_counter)
    done: int = 0
    rows: int = 0
    _progress: Any = None
    _task: Any = None

    def __enter__(self) -> StepProgress:
        out = self.out or sys.stdout
        if self.bar is None:
            self.bar = bool(getattr(out, "isatty", lambda: False)())
        if self.bar:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} " + self.unit + "s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[detail]}"),
                console=Console(file=out),
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=self.total, detail="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float | None:
        """Seconds left at the mean pace so far (None before the first step)."""
        if not self.done:
            return None
        return self.elapsed() / self.done * max(self.total - self.done, 0)

    def step(
        self,
        name: str,
        *,
        rows: int = 0,
        seconds: float = 0.0,
        parts: dict[str, float] | None = None,
        advance: int = 1,
    ) -> str:
        """One step done (``name``: e.g. the simulated day); returns its log line."""
        self.done += advance
        self.rows += rows
        text = line(
            self.label,
            self.done,
            self.total,
            name,
            rows=rows,
            seconds=seconds,
            parts=parts or {},
            elapsed=self.elapsed(),
            left=self.left(),
            unit=self.unit,
        )
        if self._progress is not None:
            rate = f"{rows / seconds:,.0f} rows/s" if seconds > 0 and rows else ""
            self._progress.update(
                self._task, advance=advance, description=f"{self.label} {name}", detail=rate
            )
        else:
            out = self.out or sys.stdout
            print(text, file=out, flush=True)
        return text

    def note(self, text: str) -> None:
        """A line that is not a step (resuming, a replayed day)."""
        if self._progress is not None:
            self._progress.console.print(text)
        else:
            print(text, file=self.out or sys.stdout, flush=True)


def line(
    label: str,
    done: int,
    total: int,
    name: str,
    *,
    rows: int,
    seconds: float,
    parts: dict[str, float],
    elapsed: float,
    left: float | None,
    unit: str = "day",
) -> str:
    """The log line of one step (see the module docstring)."""
    text = f"[{label}] {unit} {done}/{total} {name}"
    if rows or seconds:
        rate = f" ({rows / seconds:,.0f} rows/s)" if seconds > 0 and rows else ""
        text += f" · {rows:,} rows in {seconds:.1f} s{rate}"
    if parts:
        text += " · " + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())
    text += f" · elapsed {clock(elapsed)}"
    if left is not None and done < total:
        text += f" · left ~{clock(left)}"
    text += f" · RSS {current_rss_bytes() / 2**30:.1f} GB"
    return text


# --- progress inside an import ---------------------------------------------------------------
# An importer of a large file reports its rows through :class:`RowProgress`; whoever runs it
# (the job worker: the job's done/total) listens with
# :func:`warroom.core.context.reporting`. Nobody listening (a web request, a test): only
# the log line.


@dataclass
class RowProgress:
    """Progress of one import over its rows: every ``every`` rows, one log line with the
    rate (``[screening] 300,000/1,500,000 rows · 41,000 rows/s · elapsed 0:07 · left
    ~0:29 · RSS 0.6 GB``) on ``out`` (default stderr) and
    :func:`warroom.core.context.report_rows` for the job page or the command's bar (a
    listener that draws a bar takes the place of the log line). The importer calls
    :meth:`rows` when ``done`` reaches :attr:`due` (once per chunk, not per row) and at the
    end with ``final``: the last report is the total. A file smaller than ``every`` rows
    prints no log line (its listener still hears the end)."""

    label: str
    total: int | None
    every: int = 100_000
    out: TextIO | None = None
    started: float = field(default_factory=time.perf_counter)
    due: int = 0  # the next report falls due at this many rows

    def __post_init__(self) -> None:
        self.due = self.every

    def rows(self, done: int, *, final: bool = False) -> None:
        """``done`` rows so far; reported when :attr:`due` was reached, or at the end
        (``final``)."""
        if done < self.due and not final:
            return
        self.due = (done // self.every + 1) * self.every
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        of = f"/{self.total:,}" if self.total else ""
        from warroom.core.context import progress_drawn, report_rows

        report_rows(done, self.total, f"{done:,}{of} rows, {rate:,.0f} rows/s")
        if progress_drawn() or done < self.every:
            return
        text = f"[{self.label}] {done:,}{of} rows · {rate:,.0f} rows/s · elapsed {clock(elapsed)}"
        if self.total and rate > 0 and done < self.total:
            text += f" · left ~{clock((self.total - done) / rate)}"
        text += f" · RSS {current_rss_bytes() / 2**30:.1f} GB"
        print(text, file=self.out or sys.stderr, flush=True)
