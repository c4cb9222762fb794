"""The first version of the inspection checklists (editable: publish a new version).

The four strict rules (四严) as the seed states them: 严格隔离标准、严肃封控纪律、严封开放小区、
严管人员出入; the six in place (六个到位) of the epidemic-free compound standard: publicity,
closure, screening, disinfection, supplies, organisation.
"""

from __future__ import annotations

FOUR_STRICT = "four_strict"
SIX_IN_PLACE = "six_in_place"

DEFAULT_CHECKLISTS: dict[str, list[tuple[str, str, str, str]]] = {
    # code, category, Chinese text, English text
    FOUR_STRICT: [
        (
            "iso-1",
            "isolation",
            "严格隔离标准：隔离人员单人单间、专人管理",
            "Strict isolation standard: one person per room, a named keeper",
        ),
        (
            "iso-2",
            "isolation",
            "居家观察人员每日健康监测并登记",
            "People observed at home checked and logged daily",
        ),
        (
            "dis-1",
            "discipline",
            "严肃封控纪律：出入口24小时值守、岗位不脱人",
            "Strict closure discipline: gates staffed 24 hours",
        ),
        (
            "dis-2",
            "discipline",
            "居民除就医和保障外足不出户",
            "Residents stay home except for medical care and supplies",
        ),
        (
            "seal-1",
            "sealing",
            "严封开放小区：开放式、老旧小区硬隔离封闭",
            "Open and old compounds sealed by hard barriers",
        ),
        (
            "seal-2",
            "sealing",
            "无物业小区落实兜底管理",
            "Compounds without a management company under direct management",
        ),
        (
            "ent-1",
            "entry",
            "严管人员出入：进出登记、测温、查验通行证",
            "Entry and exit: registered, temperature taken, pass checked",
        ),
        ("ent-2", "entry", "外来人员和车辆一律不得进入", "No outside people or vehicles admitted"),
    ],
    SIX_IN_PLACE: [
        (
            "pub",
            "publicity",
            "宣传到位：防控知识和通告入户、上墙",
            "Publicity in place: notices and guidance reach every household",
        ),
        (
            "clo",
            "closure",
            "封控到位：小区封闭、出入口管控",
            "Closure in place: compound closed, gates controlled",
        ),
        (
            "scr",
            "screening",
            "排查到位：逐户排查、不漏一户一人",
            "Screening in place: every household checked, nobody missed",
        ),
        (
            "dis",
            "disinfection",
            "消杀到位：公共区域每日消毒并记录",
            "Disinfection in place: common areas disinfected daily, logged",
        ),
        (
            "sup",
            "supplies",
            "保障到位：生活物资和药品配送到户",
            "Supplies in place: groceries and medicine delivered to homes",
        ),
        (
            "org",
            "organisation",
            "组织到位：包保责任落实到人",
            "Organisation in place: every duty assigned to a named person",
        ),
    ],
}
