"""ECharts options for the situation room, built from a situation's payload."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from warroom.core import axes

PHASE_COLOURS = {
    "HIGH": "rgba(179,38,30,0.16)",
    "MIDDLE": "rgba(230,126,34,0.16)",
    "LOW": "rgba(241,196,15,0.16)",
    "TAIL": "rgba(39,174,96,0.14)",
    "CLEARED": "rgba(52,152,219,0.14)",
}


def phase_label(name: str | None) -> str:
    labels = {
        "HIGH": _("High phase"),
        "MIDDLE": _("Middle phase"),
        "LOW": _("Low phase"),
        "TAIL": _("Tail phase"),
        "CLEARED": _("Cleared"),
    }
    return labels.get(name or "", _("Not declared"))


def direction_label(name: str | None) -> str:
    return {"RISING": _("rising"), "FALLING": _("falling"), "FLAT": _("flat")}.get(
        name or "", _("unknown")
    )


def bands_text(payload: dict[str, Any]) -> str:
    """The city's phase bands and k, as the phase card shows them (DESIGN §3.1)."""
    params = payload.get("parameters") or {}
    low, middle, high = params.get("phase_bands") or (10, 100, 1000)
    k = params.get("phase_confirm_days", 3)
    return _(
        "bands: ≥%(high)s / %(middle)s–%(middle_top)s / %(low)s–%(low_top)s / "
        "0–%(tail_top)s, k = %(k)s"
    ) % {
        "high": high,
        "middle": middle,
        "middle_top": high - 1,
        "low": low,
        "low_top": middle - 1,
        "tail_top": low - 1,
        "k": k,
    }


def rt_estimated(payload: dict[str, Any]) -> bool:
    """True when the latest Rt window has an estimate (a number may be shown)."""
    rt = payload.get("rt") or {}
    latest = rt.get("latest") or {}
    return bool(rt.get("estimated")) and latest.get("status") == "estimated"


def rt_reason(payload: dict[str, Any]) -> str:
    """Why Rt has no number on the latest day, in the reader's language (Cori et al. 2013's
    guidance: the prior is not a finding)."""
    rt = payload.get("rt") or {}
    latest = rt.get("latest") or {}
    status = latest.get("status")
    params = payload.get("parameters") or {}
    if status == "too_few_cases":
        return _("%(n)s cases so far, fewer than %(min)s") % {
            "n": int(latest.get("cumulative") or 0),
            "min": latest.get("min_cases") or params.get("rt_min_cases"),
        }
    if status in ("too_early", "refused"):
        return _("less than one mean serial interval since the first case")
    if status == "no_cases":
        return _("no case in the last %(days)s days") % {"days": params.get("rt_window_days", 7)}
    if status == "cv_too_high":
        return _("%(n)s cases in the window, posterior CV %(cv).2f > %(max)s") % {
            "n": int(latest.get("cases") or 0),
            "cv": float(latest.get("cv") or 0.0),
            "max": latest.get("max_cv"),
        }
    return _("too few complete days to estimate Rt")


def skill_text(forecast: dict[str, Any] | None) -> str | None:
    """The forecast's measured skill, for beside the fan: its mean absolute error relative
    to "tomorrow = today" and to the 7-day mean (below 1: better), or None if unmeasured."""
    skill = (forecast or {}).get("skill")
    if not skill:
        return None
    parts = []
    for h in (1, 7, 14):
        if h not in skill["horizons"]:
            continue
        i = skill["horizons"].index(h)
        naive, mean = skill["vs_last_value"][i], skill["vs_mean_7d"][i]
        if naive is None or mean is None:
            continue
        parts.append(
            _("%(h)s-day error vs naive: %(naive).2f, vs 7-day mean: %(mean).2f")
            % {"h": h, "naive": naive, "mean": mean}
        )
    if not parts:
        return None
    n = max(skill.get("n") or [0])
    return (
        "; ".join(parts) + " " + _("(below 1 beats the baseline; %(n)s past forecasts)") % {"n": n}
    )


def _band(
    name: str, dates: list[str], lower: list[Any], upper: list[Any], colour: str
) -> list[dict[str, Any]]:
    width = [
        None if lo is None or hi is None else hi - lo for lo, hi in zip(lower, upper, strict=True)
    ]
    stack = f"band-{name}"
    return [
        {
            "type": "line",
            "name": name,
            "data": list(zip(dates, lower, strict=True)),
            "stack": stack,
            "lineStyle": {"opacity": 0},
            "symbol": "none",
            "tooltip": {"show": False},
        },
        {
            "type": "line",
            "name": name,
            "data": list(zip(dates, width, strict=True)),
            "stack": stack,
            "lineStyle": {"opacity": 0},
            "symbol": "none",
            "areaStyle": {"color": colour},
            "tooltip": {"show": False},
        },
    ]


def _wide_enough(span: dict[str, Any], days: int) -> bool:
    """A phase span is labelled on the curve only when its band is wide enough for the
    name (an eighth of the days shown, at least 5 days); the colour and the phase card
    say the rest, so narrow bands' names never pile up."""
    import datetime as dt

    try:
        width = (dt.date.fromisoformat(span["end"]) - dt.date.fromisoformat(span["start"])).days
    except (TypeError, ValueError):
        return False
    return width + 1 >= max(5, days // 8)


def epidemic_curve(payload: dict[str, Any]) -> dict[str, Any]:
    dates = payload["dates"]
    spans = [
        [
            {
                "name": phase_label(s["phase"]) if _wide_enough(s, len(dates)) else "",
                "xAxis": s["start"],
                "itemStyle": {"color": PHASE_COLOURS.get(s["phase"], "rgba(0,0,0,0.05)")},
            },
            {"xAxis": s["end"]},
        ]
        for s in payload["phase"]["spans"]
    ]
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": _("New confirmed"),
            "data": list(zip(dates, payload["new_confirmed"], strict=True)),
            "itemStyle": {"color": "#b3261e"},
            "markArea": {
                "silent": True,
                "label": {
                    "position": "insideTop",
                    "fontSize": 11,
                    "overflow": "truncate",
                    "width": 90,
                },
                "data": spans,
            },
        }
    ]
    fc = payload.get("forecast")
    if fc:
        series += _band(
            _("Forecast 90%"), fc["dates"], fc["q05"], fc["q95"], "rgba(11,87,208,0.15)"
        )
        series.append(
            {
                "type": "line",
                "name": _("Forecast (median)"),
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": "#0b57d0"},
                "data": list(zip(fc["dates"], fc["median"], strict=True)),
            }
        )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [_("New confirmed"), _("Forecast (median)")]},
        "grid": axes.grid(left=12, right=20, top=40, bottom=34),
        "xAxis": axes.time_axis(),
        "yAxis": {"type": "value", "name": _("cases/day"), "nameGap": 12},
        "dataZoom": [{"type": "slider", "height": 18, "bottom": 8}],
        "series": series,
    }


def rt_chart(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Rt where it can be estimated; a gap where it cannot (never the prior)."""
    rt = payload.get("rt")
    if not rt or all(m is None for m in rt["mean"]):
        return None
    series = _band(
        _("95% credible interval"), rt["dates"], rt["q025"], rt["q975"], "rgba(179,38,30,0.18)"
    )
    series.append(
        {
            "type": "line",
            "name": "Rt",
            "symbol": "none",
            "lineStyle": {"color": "#b3261e"},
            "data": list(zip(rt["dates"], rt["mean"], strict=True)),
            "markLine": {
                "silent": True,
                "symbol": "none",
                "data": [{"yAxis": 1}],
                "lineStyle": {"color": "#333", "type": "dashed"},
            },
        }
    )
    return {
        "tooltip": {"trigger": "axis"},
        "grid": axes.grid(left=8, right=20, top=20, bottom=8),
        "xAxis": axes.time_axis(),
        "yAxis": {"type": "value", "min": 0},
        "series": series,
    }


def clearance_chart(clearance: dict[str, Any]) -> dict[str, Any]:
    """The four backlogs by age (stacked bars): zero is the target."""
    duties = list(clearance["duties"])
    names = {
        "admit": _("Admit"),
        "isolate": _("Isolate"),
        "test": _("Test"),
        "treat": _("Treat"),
    }
    buckets = (
        ("under_24h", _("under 24 h"), "#f1c40f"),
        ("from_24_to_48h", _("24–48 h"), "#e67e22"),
        ("over_48h", _("over 48 h"), "#b3261e"),
    )
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": axes.grid(left=8, right=10, top=30, bottom=8),
        "xAxis": axes.category_axis([names[d] for d in duties]),
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "stack": "age",
                "name": label,
                "itemStyle": {"color": colour},
                "data": [clearance["duties"][d][key] for d in duties],
            }
            for key, label, colour in buckets
        ],
    }
