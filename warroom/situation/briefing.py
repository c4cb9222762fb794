"""The daily briefing (每日动态通报): decisions needed, the document, its PDF and Word files.

The numbers come from :func:`warroom.situation.selectors.room` (stored as the briefing's
payload); this module only words and lays them out. The PDF is WeasyPrint (HTML + inline
SVG charts, Noto CJK fonts); the Word file is python-docx with the charts drawn as PNG by
matplotlib. Neither is needed to archive the HTML: a machine without the system libraries
WeasyPrint needs gets a clear :class:`ExportUnavailable`, not a traceback.
"""

from __future__ import annotations

import io
import math
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from warroom.core.errors import WarroomError
from warroom.core.words import shown
from warroom.series.charts import Band, Chart, Line, render_svg
from warroom.situation import charts as room_charts

CURVE_DAYS = 60  # the briefing's epidemic curve: the last 60 days and the forecast
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC")


class ExportUnavailable(WarroomError):
    code = "export_unavailable"
    status = 503


# --- decisions needed: the red items ------------------------------------------------------


# The agenda a meeting can work through: at most this many lines (grouped, ranked).
AGENDA_MAX = 15
# A topic of the citizens' appeals with at least this many appeals on the day is on the
# agenda's "hot topics" line (docs/appeals.md).
HOT_TOPIC_MIN = 3
# More individual items of one kind than this become one line with a drill-down.
GROUP_OVER = 3
# At most this many districts get their own "facilities full" line; the rest share one.
FULL_DISTRICTS_SHOWN = 4


def _grouped(kind: str, items: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    """``items`` as they are, or one ``kind`` line holding them when there are too many."""
    if len(items) <= GROUP_OVER:
        return items
    return [{"kind": kind, "count": len(items), "members": items, **extra}]


def _full_facilities(overloaded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Facilities over 95 % by district: one line per district ("武昌区: 12 facilities
    full"), districts with the most first; a district with one such facility keeps its own
    line; past :data:`FULL_DISTRICTS_SHOWN` districts, the rest share one line."""
    by_district: dict[str, dict[str, Any]] = {}
    for f in overloaded:
        district = f.get("district") or {"code": "", "name_zh": "", "name_en": ""}
        group = by_district.setdefault(district["code"], {"district": district, "members": []})
        if not any(m["code"] == f["code"] for m in group["members"]):
            group["members"].append({"kind": "overloaded", **f, "types": [f["type"]]})
        else:
            member = next(m for m in group["members"] if m["code"] == f["code"])
            member["types"].append(f["type"])
            member["occupancy"] = max(member["occupancy"], f["occupancy"])
    groups = sorted(by_district.values(), key=lambda g: (-len(g["members"]), g["district"]["code"]))
    lines: list[dict[str, Any]] = []
    for g in groups[:FULL_DISTRICTS_SHOWN]:
        if len(g["members"]) == 1:
            lines.append(g["members"][0])
        else:
            lines.append(
                {
                    "kind": "full_facilities",
                    "district": g["district"],
                    "count": len(g["members"]),
                    "members": g["members"],
                }
            )
    rest = groups[FULL_DISTRICTS_SHOWN:]
    if rest:
        members = [m for g in rest for m in g["members"]]
        lines.append(
            {
                "kind": "full_facilities_elsewhere",
                "districts": len(rest),
                "count": len(members),
                "members": members,
            }
        )
    return lines


def decisions_needed(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The red items of the day (the stand-up's agenda), grouped and most urgent first.

    A district that did not report, a phase change, a backlog not cleared (the oldest
    first), facilities over 95 % occupied (one line per district, the fullest districts
    first), overdue tasks, open quality errors. Many items of one kind become one line
    whose ``members`` are the drill-down; at most :data:`AGENDA_MAX` lines, the last
    saying how many more when cut. Each item is structured (``kind`` and its figures);
    the words are :func:`item_text`'s, in the reader's language.
    """
    items: list[dict[str, Any]] = []
    missing = [
        {"kind": "missing_report", "area": area, "day": data["day"]}
        for area in data["reporting"]["missing"]
    ]
    items += _grouped("missing_reports", missing, day=data["day"])
    situation = data.get("situation")
    if situation and situation["phase"]["changed_today"]:
        spans = situation["phase"]["spans"]
        before = spans[-2]["phase"] if len(spans) > 1 else None
        items.append({"kind": "phase_change", "from": before, "to": situation["phase"]["declared"]})
    backlogs = [
        {
            "kind": "backlog",
            "duty": duty,
            "total": row["total"],
            "over_48h": row["over_48h"],
            "change": row["change"],
        }
        for duty, row in data["clearance"]["duties"].items()
        if row["total"]
    ]
    items += sorted(backlogs, key=lambda b: (-b["over_48h"], -b["total"]))
    items += _full_facilities(data["overloaded"])
    tasks = [{"kind": "overdue_task", **t} for t in data["tasks"]["items"]]
    items += _grouped("overdue_tasks", tasks, total=data["tasks"].get("count", len(tasks)))
    flags = [
        {"kind": "quality_flag", **flag}
        for flag in data["quality"]["top"]
        if flag["severity"] == "error" and flag["status"] == "open"
    ]
    items += _grouped("quality_flags", flags)
    logistics = data.get("logistics") or {}
    stock_outs = (logistics.get("supplies") or {}).get("alerts") or []
    if stock_outs:
        items.append(
            {
                "kind": "stock_outs",
                "count": (logistics.get("supplies") or {}).get("alert_count", len(stock_outs)),
                "members": stock_outs,
            }
        )
    waste = logistics.get("waste") or {}
    if waste.get("over_48h"):
        items.append(
            {
                "kind": "waste_over_48h",
                "tonnes": waste["over_48h"],
                "sources": waste.get("sources_over_48h", 0),
            }
        )
    signals = [{"kind": "signal", **sig} for sig in data.get("signals", [])]
    items += _grouped("signals", signals)
    appeals = data.get("appeals") or {}
    if appeals.get("overdue"):
        items.append({"kind": "overdue_appeals", "count": appeals["overdue"]})
    items += [{"kind": "appeal_surge", **s} for s in appeals.get("surges", [])[:3]]
    hot = [t for t in appeals.get("topics", []) if t["today"] >= HOT_TOPIC_MIN]
    if hot:  # the day's hot topics: one line, each topic a drill-down to its appeals
        items.append(
            {
                "kind": "hot_topics",
                "count": sum(t["today"] for t in hot),
                "members": [{"kind": "hot_topic", **t} for t in hot],
            }
        )
    if len(items) > AGENDA_MAX:
        cut = items[AGENDA_MAX - 1 :]
        items = [*items[: AGENDA_MAX - 1], {"kind": "more", "count": len(cut), "members": cut}]
    return items


# --- charts -------------------------------------------------------------------------------


def _nan(x: Any) -> float:
    return math.nan if x is None else float(x)


def curve_chart(situation: dict[str, Any], title: str) -> Chart:
    """New confirmed over the last days, then the forecast median and its 90 % band."""
    dates = situation["dates"][-CURVE_DAYS:]
    observed = [_nan(x) for x in situation["new_confirmed"][-CURVE_DAYS:]]
    fc = situation.get("forecast") or {}
    f_dates = fc.get("dates", [])
    pad = [math.nan] * len(f_dates)
    lines = [Line(_("New confirmed"), observed + pad, color="#b3261e")]
    bands = []
    if f_dates:
        before = [math.nan] * len(dates)
        lines.append(
            Line(_("Forecast (median)"), before + [_nan(x) for x in fc["median"]], "#0b57d0", True)
        )
        bands.append(
            Band(
                _("Forecast 90%"),
                before + [_nan(x) for x in fc["q05"]],
                before + [_nan(x) for x in fc["q95"]],
            )
        )
    labels = [d[5:] for d in dates + f_dates]
    return Chart(title, labels, lines=lines, bands=bands, y_label=_("cases/day"))


def rt_chart(situation: dict[str, Any], title: str) -> Chart | None:
    """Rt where it can be estimated, gaps elsewhere; None without a single estimate."""
    rt = situation.get("rt")
    if not rt or all(m is None for m in rt["mean"][-CURVE_DAYS:]):
        return None
    dates = rt["dates"][-CURVE_DAYS:]
    n = len(dates)
    return Chart(
        title,
        [d[5:] for d in dates],
        lines=[Line("Rt", [_nan(x) for x in rt["mean"][-n:]], color="#b3261e")],
        bands=[
            Band(
                _("95% credible interval"),
                [_nan(x) for x in rt["q025"][-n:]],
                [_nan(x) for x in rt["q975"][-n:]],
                color="#b3261e",
            )
        ],
        hlines=[(1.0, "Rt = 1")],
    )


def _charts(data: dict[str, Any]) -> list[Chart]:
    situation = data.get("situation")
    if not situation:
        return []
    charts = [curve_chart(situation, _("Epidemic curve and forecast"))]
    rt = rt_chart(situation, _("Effective reproduction number Rt"))
    if rt is not None:
        charts.append(rt)
    return charts


# --- the document: one outline, written as HTML and as Word ------------------------------


def _n(value: Any) -> str:
    """A figure, or "not reported" (never 0 for an unknown)."""
    from warroom.web.templatetags.humanize_zh import num

    return _("not reported") if value is None else num(value)


def _u(value: Any) -> str:
    """A computed figure that may be unknown (not a report: nobody failed to send it)."""
    from warroom.web.templatetags.humanize_zh import num

    return _("unknown") if value is None else num(value)


def _change(value: Any) -> str:
    from warroom.web.templatetags.humanize_zh import signed

    return _("no comparison") if value is None else signed(value)


def outline(
    data: dict[str, Any], revision: tuple[int, list[Any], dict[str, Any]] | None = None
) -> list[tuple[str, Any]]:
    """The briefing's blocks, in the current language: ("h1"|"h2"|"p"|"warn", text),
    ("ul", [text]), ("table", [header, *rows]), ("chart", index)."""
    from warroom.situation.templatetags.situation_tags import (
        area_name,
        bed_type_label,
        day_label,
        direction_name,
        duty_label,
        level_label,
        phase_name,
    )

    area, day = data["area"], data["day"]
    s = data.get("situation")
    out: list[tuple[str, Any]] = [
        (
            "h1",
            _("Daily briefing of %(area)s, %(day)s")
            % {"area": area_name(area), "day": day_label(day)},
        ),
    ]
    if revision is not None and revision[0] > 1:
        out += [("warn", line) for line in revision_lines(*revision)]
    missing = data["reporting"]["missing"]
    for m in missing:
        out.append(
            (
                "warn",
                _("%(area)s: no report for %(day)s.")
                % {"area": area_name(m), "day": day_label(day)},
            )
        )
    # 1. headline figures
    out.append(("h2", _("1. Headline figures")))
    if s is None:
        out.append(("warn", _("No figures for this day: the situation was not computed.")))
    else:
        q = s["quantities"]
        rt = (s.get("rt") or {}).get("latest")
        headline = [
            _("New confirmed: %(n)s (day on day %(c)s)")
            % {"n": _n(q["increment"]["today"]), "c": _change(q["increment"]["change"])},
            _("Under treatment: %(n)s (day on day %(c)s)")
            % {"n": _n(q["stock"]["today"]), "c": _change(q["stock"]["change"])},
            _("Severe and critical: %(n)s") % {"n": _n(q["severe"]["today"])},
            _("Deaths: %(n)s") % {"n": _n(q["deaths"]["today"])},
        ]
        if rt and room_charts.rt_estimated(s):
            headline.append(
                _("Rt %(mean).2f (95%%: %(lo).2f–%(hi).2f), up to %(day)s")
                % {
                    "mean": rt["mean"],
                    "lo": rt["q025"],
                    "hi": rt["q975"],
                    "day": day_label(rt["date"]),
                }
            )
        else:  # the prior is not a finding: say why there is no number
            headline.append(
                _("Rt: insufficient data (%(reason)s)") % {"reason": room_charts.rt_reason(s)}
            )
        skill = room_charts.skill_text(s.get("forecast"))
        if skill:
            headline.append(_("Forecast skill") + ": " + skill)
        out.append(("ul", headline))
        if s["missing_count"]:
            out.append(
                (
                    "warn",
                    _(
                        "%(n)s days without new confirmed figures in the series: shown as "
                        "gaps, never as zeros."
                    )
                    % {"n": s["missing_count"]},
                )
            )
        # 2. phase
        ph = s["phase"]
        out.append(("h2", _("2. Phase")))
        if ph["declared"]:
            text = _(
                "%(phase)s since %(start)s (declared %(declared)s), day %(days)s, %(dir)s."
            ) % {
                "phase": phase_name(ph["declared"]),
                "start": day_label(ph["start"]),
                "declared": day_label(ph["declared_on"]),
                "days": ph["days_in_phase"],
                "dir": direction_name(ph["direction"]),
            }
        else:
            text = _("No phase declared yet.")
        out.append(("p", text))
        if ph["changed_today"]:
            out.append(("warn", _("The phase changed today.")))
        if ph["next_band"]:
            out.append(
                (
                    "p",
                    _("%(phase)s expected around %(day)s.")
                    % {
                        "phase": phase_name(ph["next_band"]["phase"]),
                        "day": day_label(ph["next_band"]["date"]),
                    },
                )
            )
        out.append(("chart", 0))
        if rt_chart(s, "") is not None:
            out.append(("chart", 1))
        # 3. three quantities
        out.append(("h2", _("3. The three quantities")))
        rows = [[_("Quantity"), _("Today"), _("Yesterday"), _("Change")]]
        for key, label in (
            ("increment", _("Increment: new confirmed")),
            ("stock", _("Stock: under treatment")),
            ("variable", _("Variable: new suspected, febrile and contacts")),
        ):
            qq = q.get(key) or {"today": None, "yesterday": None, "change": None}
            rows.append([label, _n(qq["today"]), _n(qq["yesterday"]), _change(qq["change"])])
        out.append(("table", rows))
        out += _rates_blocks(data)
    # 4. clearance
    c = data["clearance"]
    out.append(("h2", _("4. Daily clearance")))
    if not c["computed"]:
        out.append(("warn", _("The clearance was not computed for this day.")))
    else:
        rows = [[_("Duty"), _("Backlog"), _("over 48 h"), _("Change")]]
        for duty, row in c["duties"].items():
            rows.append(
                [duty_label(duty), _n(row["total"]), _n(row["over_48h"]), _change(row["change"])]
            )
        out.append(("table", rows))
        if c["by_district"]:
            out.append(("p", _("By district, worst first:")))
            rows = [[_("District"), *[duty_label(d) for d in c["duties"]], _("Total")]]
            for r in c["by_district"]:
                rows.append([area_name(r), *[_n(r[d]) for d in c["duties"]], _n(r["total"])])
            out.append(("table", rows))
    # 5. beds
    b = data["beds"]
    out.append(("h2", _("5. Beds")))
    if not b["computed"]:
        out.append(("warn", _("The bed balance was not computed for this day.")))
    else:
        rows = [
            [_("Bed type"), _("Capacity"), _("Occupied"), _("Free"), _("Waiting"), _("Balance")]
        ]
        for r in b["by_type"]:
            rows.append(
                [
                    bed_type_label(r["type"]),
                    _n(r["capacity"]),
                    _n(r["occupied"]),
                    _n(r["free"]),
                    _u(r["waiting"]),
                    _u(r["balance"]),
                ]
            )
        out.append(("table", rows))
        out.append(
            (
                "p",
                _("Beds wait for patients.")
                if b["beds_wait"]
                else _("Patients still wait for beds (or waiting is unknown)."),
            )
        )
    plan = data.get("plan")
    if plan and plan.get("total_to_open_upper") is not None:
        out.append(
            (
                "p",
                _(
                    "Capacity plan: %(median)s beds to open in 30 days on the median "
                    "forecast, %(upper)s if cases follow the upper 95%% band."
                )
                % {"median": _n(plan["total_to_open"]), "upper": _n(plan["total_to_open_upper"])},
            )
        )
    if plan and plan.get("windows"):
        out.append(("p", _("Capacity plan, next openings:")))
        out.append(
            (
                "ul",
                [
                    f"{day_label(w['start'])}–{day_label(w['end'])}: "
                    + ", ".join(f"{bed_type_label(t)} {n}" for t, n in w["open_beds"].items() if n)
                    for w in plan["windows"]
                ],
            )
        )
    # 6. certification
    cert = data["certification"]
    out.append(("h2", _("6. Epidemic-free certification")))
    if not cert["computed"]:
        out.append(("warn", _("Certification was not computed for this day.")))
    else:
        rows = [[_("Level"), _("Certified"), _("Total"), _("Share")]]
        for r in cert["levels"]:
            share = "—" if r["share"] is None else f"{r['share']:.1f}%"
            rows.append([level_label(r["level"]), _n(r["certified"]), _n(r["total"]), share])
        out.append(("table", rows))
    # 7. quality
    ql = data["quality"]
    out.append(("h2", _("7. Data quality")))
    out.append(
        (
            "p",
            _("%(open)s open flags, %(ack)s acknowledged.")
            % {"open": ql["open"], "ack": ql["acknowledged"]},
        )
    )
    if ql["top"]:
        rows = [[_("Area"), _("Day"), _("Rule"), _("Status"), _("Finding")]]
        for f in ql["top"]:
            rows.append(
                [
                    area_name(f["area"]),
                    day_label(f["day"]),
                    f["rule"],
                    _flag_status(f["status"]),
                    f["message"],
                ]
            )
        out.append(("table", rows))
    ap = data.get("appeals")
    if ap:  # the citizens' appeals (docs/appeals.md): one line
        line = _(
            "Citizen appeals: %(n)s received (%(adm)s asking for a bed), %(open)s open, "
            "%(late)s past their deadline."
        ) % {
            "n": _n(ap["received"]),
            "adm": _n(ap["admission"]),
            "open": _n(ap["open"]),
            "late": _n(ap["overdue"]),
        }
        if ap["surges"]:
            line += " " + _("Surging: %(terms)s.") % {
                "terms": "、".join(f"{s['term']} ({s['today']})" for s in ap["surges"])
            }
        if ap.get("topics"):
            line += " " + _("Hot topics: %(topics)s.") % {
                "topics": "; ".join(
                    f"{'、'.join(t['label'])} ({_n(t['today'])})" for t in ap["topics"][:3]
                )
            }
        out.append(("p", line))
    # 8. decisions needed
    out.append(("h2", _("8. Decisions needed")))
    words = [decision_line(i) for i in data.get("decisions", [])]
    out.append(("ul", words) if words else ("p", _("No red item today.")))
    logistics = data.get("logistics")
    if logistics:  # 9. supplies and medical waste (docs/supplies.md)
        sp, ws = logistics["supplies"], logistics["waste"]
        out.append(("h2", _("9. Supplies and medical waste")))
        out.append(
            (
                "ul",
                [
                    _("Stock-out alerts (under 3 days of stock): %(n)s")
                    % {"n": _n(sp["alert_count"])},
                    _("Aid teams: %(t)s teams, %(m)s members")
                    % {"t": _n(sp["teams"]["teams"]), "m": _n(sp["teams"]["members"])},
                    _(
                        "Medical waste: %(g)s t generated, %(d)s t disposed, %(b)s t in storage "
                        "(%(o)s t over 48 h); plants %(l)s of %(c)s t/day"
                    )
                    % {
                        "g": ws["generated"],
                        "d": ws["disposed"],
                        "b": ws["backlog"],
                        "o": ws["over_48h"],
                        "l": ws["plant_load"],
                        "c": ws["capacity"],
                    },
                ],
            )
        )
    anchor = data.get("audit_anchor")
    if anchor:  # the chain's head, anchored outside the database (docs/security.md)
        out.append(
            (
                "p",
                _("Audit log anchor: entry %(seq)s, hash %(hash)s.")
                % {"seq": anchor["seq"], "hash": anchor["hash"]},
            )
        )
    return out


def _flag_status(status: str) -> str:
    from warroom.surveillance.models import FlagStatus

    try:
        return str(FlagStatus(status).label)
    except ValueError:
        return status


# A grouped line of the briefing names at most this many of its members.
NAMED_MEMBERS = 12


def decision_line(item: dict[str, Any]) -> str:
    """One line of the briefing's decisions: a grouped item names its members."""
    text = item_text(item)
    members = item.get("members") or []
    if not members:
        return text
    names = [_member_name(m) for m in members[:NAMED_MEMBERS]]
    if len(members) > NAMED_MEMBERS:
        names.append("…")
    return f"{text} ({'; '.join(names)})"


def _member_name(item: dict[str, Any]) -> str:
    from warroom.situation.templatetags.situation_tags import area_name

    if item["kind"] == "overloaded":
        return f"{item['name']} {item['occupancy']}%"
    if item["kind"] == "missing_report":
        return area_name(item["area"])
    if item["kind"] == "overdue_task":
        return str(item["title"])
    return item_text(item)


def item_text(item: dict[str, Any]) -> str:
    """One red item in words (the briefing's decisions and the stand-up's agenda)."""
    from warroom.situation.templatetags.situation_tags import (
        area_name,
        bed_type_label,
        day_label,
        duty_label,
        phase_name,
    )

    kind = item["kind"]
    if kind == "missing_report":
        return _("%(area)s did not report for %(day)s: ask for the figures.") % {
            "area": area_name(item["area"]),
            "day": day_label(item["day"]),
        }
    if kind == "phase_change":
        return _("The phase changed from %(a)s to %(b)s: adjust the measures.") % {
            "a": phase_name(item["from"]),
            "b": phase_name(item["to"]),
        }
    if kind == "backlog":
        return _("%(duty)s backlog not cleared: %(n)s people (%(old)s over 48 h).") % {
            "duty": duty_label(item["duty"]),
            "n": _n(item["total"]),
            "old": _n(item["over_48h"]),
        }
    if kind == "overloaded":
        return _("%(name)s: %(type)s beds %(pct)s%% occupied.") % {
            "name": item["name"],
            "type": " / ".join(bed_type_label(t) for t in item.get("types", [item["type"]])),
            "pct": item["occupancy"],
        }
    if kind == "full_facilities":
        return _("%(area)s: %(n)s facilities full (over 95 %% of a bed type).") % {
            "area": area_name(item["district"]),
            "n": _n(item["count"]),
        }
    if kind == "full_facilities_elsewhere":
        return _("%(n)s facilities full in %(d)s other districts.") % {
            "n": _n(item["count"]),
            "d": _n(item["districts"]),
        }
    if kind == "missing_reports":
        return _("%(n)s areas did not report for %(day)s: ask for the figures.") % {
            "n": _n(item["count"]),
            "day": day_label(item["day"]),
        }
    if kind == "overdue_tasks":
        return _("%(n)s overdue tasks.") % {"n": _n(item["total"])}
    if kind == "quality_flags":
        return _("%(n)s open data-quality errors.") % {"n": _n(item["count"])}
    if kind == "overdue_appeals":
        return _("%(n)s citizen appeals past their deadline.") % {"n": _n(item["count"])}
    if kind == "appeal_surge":
        return _("Appeals about %(term)s surge: %(n)s today, %(base)s a day before.") % {
            "term": item["term"],
            "n": _n(item["today"]),
            "base": item["baseline"],
        }
    if kind == "hot_topics":
        return _("Hot topics of the citizens' appeals: %(topics)s.") % {
            "topics": "; ".join(
                f"{'、'.join(m['label'])} ({_n(m['today'])})" for m in item["members"]
            )
        }
    if kind == "hot_topic":
        return _("%(label)s: %(n)s appeals today.") % {
            "label": "、".join(item["label"]),
            "n": _n(item["today"]),
        }
    if kind == "more":
        return _("%(n)s more items.") % {"n": _n(item["count"])}
    if kind == "stock_outs":
        return _("%(n)s facility stocks run out within 3 days: allocate supplies.") % {
            "n": _n(item["count"])
        }
    if kind == "stock_out":
        return _("%(place)s: %(item)s for %(days)s days (%(stock)s left, %(need)s a day).") % {
            "place": item["place"],
            "item": item["item"],
            "days": item["days_left"],
            "stock": _n(item["stock"]),
            "need": item["per_day"],
        }
    if kind == "waste_over_48h":
        return _(
            "%(t)s t of medical waste stored over 48 h at %(n)s sources: collect it today."
        ) % {
            "t": item["tonnes"],
            "n": _n(item["sources"]),
        }
    if kind == "signals":
        return _("%(n)s signals over their thresholds.") % {"n": _n(item["count"])}
    if kind == "signal":
        return _("Signal: %(message)s") % {"message": _worded(item, "message")}
    if kind == "overdue_task":
        return _("Overdue task: %(title)s (%(owner)s, due %(day)s).") % {
            "title": _worded(item, "title"),
            "owner": item["owner"],
            "day": day_label(item["deadline"]),
        }
    if kind == "quality_flag":
        return _("Data quality, %(area)s %(day)s: %(message)s") % {
            "area": area_name(item["area"]),
            "day": day_label(item["day"]),
            "message": item["message"],
        }
    return kind


def _worded(item: dict[str, Any], key: str) -> str:
    """A stored sentence of the payload in the reader's language (its words, kept beside it
    as ``<key>_words``), or its text as it was read (a payload issued before words)."""
    return shown(item.get(key) or "", item.get(f"{key}_words"))


def _rates_blocks(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The rates of the three quantities and their targets (the supervision app's)."""
    panel = data.get("rates") or {}
    if not panel.get("metrics"):
        return []
    from warroom.supervision.templatetags.supervision_tags import RATE_LABELS, percent

    rows = [[_("Rate"), _("Today"), _("Numerator / denominator"), _("Target")]]
    for m in panel["metrics"]:
        rows.append(
            [
                str(RATE_LABELS.get(m["metric"], m["metric"])),
                percent(m["value"]),
                f"{m['numerator']} / {m['denominator']}",
                percent(m["target"]),
            ]
        )
    return [("table", rows)]


def context(
    data: dict[str, Any], revision: tuple[int, list[Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The briefing's blocks and charts (SVG), in the current language; ``revision``
    (number, changes, reason) heads a revised briefing with what changed and why."""
    return {
        "b": data,
        "blocks": outline(data, revision),
        "svgs": [render_svg(c) for c in _charts(data)],
    }


def render_document(
    data: dict[str, Any],
    *,
    language: str,
    revision: tuple[int, list[Any], dict[str, Any]] | None = None,
) -> str:
    """The briefing as a standalone HTML document (inline CSS and SVG; no asset)."""
    with translation.override(language):
        return render_to_string("situation/briefing_doc.html", context(data, revision))


def figure_label(name: str) -> str:
    """A figure of :func:`warroom.situation.services.briefing_figures` in words."""
    from warroom.situation.templatetags.situation_tags import bed_type_label, duty_label

    parts = name.split(".")
    if parts[0] == "clearance":
        return _("%(duty)s backlog") % {"duty": duty_label(parts[1])}
    if parts[0] == "beds" and len(parts) == 3:
        what = _("waiting") if parts[2] == "waiting" else _("free beds")
        return f"{bed_type_label(parts[1])} {what}"
    if name == "reporting.missing":
        return _("areas without a report")
    if name == "decisions":
        return _("decisions needed")
    return name


def revision_lines(revision: int, changes: list[Any], reason: dict[str, Any]) -> list[str]:
    """A revision in words: its number, what changed against the previous one, and why."""
    from warroom.core.revisions import revision_lines as lines

    return lines(revision, changes, reason, label=figure_label, value=_u)


def to_pdf(html: str) -> bytes:
    """The document as PDF (WeasyPrint; the Noto CJK fonts from the system)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise ExportUnavailable(
            "PDF export needs WeasyPrint and the Pango library "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk): "
            f"{exc}"
        ) from None
    return HTML(string=html).write_pdf()


def _png(chart: Chart) -> bytes:
    """The chart drawn by matplotlib (a Word file takes images, not SVG)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 3.2), dpi=150)
    ax = fig.add_subplot()
    x = list(range(len(chart.x_labels)))
    for band in chart.bands:
        ax.fill_between(
            x, band.lower, band.upper, color=band.color, alpha=band.opacity, label=band.label
        )
    for line in chart.lines:
        ax.plot(
            x,
            line.values,
            color=line.color or None,
            linestyle="--" if line.dashed else "-",
            label=line.label,
            linewidth=1.5,
        )
    for y, _label in chart.hlines:
        ax.axhline(y, color="#555", linestyle=":", linewidth=1)
    step = max(1, math.ceil(len(x) / 8))
    ax.set_xticks(x[::step], [chart.x_labels[i] for i in x[::step]], fontsize=8)
    ax.set_title(chart.title, fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def to_docx(data: dict[str, Any], *, language: str) -> bytes:
    """The briefing as a Word document: the same outline, the charts as PNG images."""
    try:
        import docx
        import matplotlib
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt
    except ImportError as exc:
        raise ExportUnavailable(f"Word export needs python-docx and matplotlib: {exc}") from None

    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    with translation.override(language):
        blocks = outline(data)
        charts = _charts(data)
        document = docx.Document()
        style = document.styles["Normal"]
        style.font.name = CJK_FONTS[0]
        style.font.size = Pt(10.5)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), CJK_FONTS[0])
        for kind, value in blocks:
            if kind == "h1":
                document.add_heading(value, level=1)
            elif kind == "h2":
                document.add_heading(value, level=2)
            elif kind in ("p", "warn"):
                document.add_paragraph(value)
            elif kind == "ul":
                for text in value:
                    document.add_paragraph(text, style="List Bullet")
            elif kind == "table":
                table = document.add_table(rows=len(value), cols=len(value[0]))
                table.style = "Table Grid"
                for i, row in enumerate(value):
                    for j, cell in enumerate(row):
                        table.cell(i, j).text = str(cell)
            elif kind == "chart" and value < len(charts):
                document.add_picture(io.BytesIO(_png(charts[value])), width=Cm(16))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
