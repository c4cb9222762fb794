"""Version 1 of the supervision checklists, one per kind of unit (editable: publish v2).

Drawn from the seed's supervision points: the four strict rules and the six in place for
compounds and communities; admission, infection control and supplies for hospitals and
shelter hospitals; the closed management of special places (prisons, care homes, welfare
homes, psychiatric hospitals) after the outbreaks in Wuhan's prisons and care homes.
"""

from __future__ import annotations

from typing import Any

_AREA = [
    (
        "closure",
        "出入口管控到位，登记、测温、查验通行证",
        "Gates controlled: register, temperature, pass",
    ),
    (
        "screening",
        "逐户排查不漏一户一人，台账清楚",
        "Every household screened, the ledger complete",
    ),
    ("supplies", "生活物资和药品配送到户", "Groceries and medicine delivered to homes"),
    ("data", "上报数据与台账一致", "Reported figures match the ledger"),
]
_MEDICAL = [
    ("admission", "应收尽收，无推诿拒收", "Every patient admitted, none turned away"),
    (
        "infection",
        "院感防控到位：分区、防护、培训",
        "Infection control: zoning, protection, training",
    ),
    ("ppe", "防护物资储备不少于3天", "Protective supplies for at least 3 days"),
    ("data", "收治、出院、死亡数据与上报一致", "Admissions, discharges, deaths match the reports"),
]
_SPECIAL = [
    ("closed", "封闭管理到位，人员只出不进", "Closed management: nobody enters"),
    ("staff", "工作人员轮班隔离、每日健康监测", "Staff on rotation in isolation, checked daily"),
    ("screen", "在押/在院人员每日测温、症状筛查", "Residents checked for fever and symptoms daily"),
    (
        "isolation",
        "设立隔离观察室，发热者即时隔离转诊",
        "An isolation room; fever isolated and referred",
    ),
    ("report", "疫情信息按时如实上报", "Cases reported on time and truthfully"),
]

DEFAULT_CHECKLISTS: dict[str, list[tuple[str, str, str]]] = {
    "compound": _AREA,
    "community": _AREA,
    "street": _AREA,
    "hospital": _MEDICAL,
    "shelter": _MEDICAL,
    "quarantine": [
        ("room", "单人单间，专人管理", "One person per room, a named keeper"),
        ("tests", "按时采样检测", "Samples taken on schedule"),
        ("supplies", "餐饮和生活保障到位", "Meals and daily needs provided"),
    ],
    "prison": _SPECIAL,
    "care_home": _SPECIAL,
    "welfare_home": _SPECIAL,
    "psychiatric": _SPECIAL,
}


def ensure_default_checklists(checklist_model: Any, item_model: Any) -> int:
    """Create version 1 of each kind that has none (idempotent; migration and tests)."""
    created = 0
    for kind, items in DEFAULT_CHECKLISTS.items():
        if checklist_model.objects.filter(kind=kind).exists():
            continue
        checklist = checklist_model.objects.create(kind=kind, version=1, active=True)
        for order, (code, text_zh, text_en) in enumerate(items):
            item_model.objects.create(
                checklist=checklist, code=code, text_zh=text_zh, text_en=text_en, order=order
            )
        created += 1
    return created
