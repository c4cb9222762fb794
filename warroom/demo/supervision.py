"""The demo's supervision: special places in every district, a campaign for every phase.

- **Special places** (:func:`seed_special_places`, run by ``warroom demo`` when it prepares
  the city): the twin has none, so a small synthetic rule gives each district care homes
  by its population (one per 250,000 residents, one to four), a welfare home, a
  psychiatric hospital in every other district and a prison in every third, spread over
  the district's streets (the first streets by code). Codes are stable (``SP-<district>-
  <kind>-<n>``): a second run adds nothing.
- **Phase plans** (:func:`seed_phase_plan`, run by the feed after each day's cycle): when
  the city's situation declares a phase that has no plan yet, headquarters records the
  campaign Wuhan ran in that phase (the seed, Chen Yixin's 50 days: the general offensive
  on "admit all who should be" in the high phase; "five priorities, five difficulties" in
  the middle; "six emerging problems" and "ten practical matters" in the low; the "second
  battle" of the economy and the "three battles" at the tail), each line a task for
  headquarters and the district officers in turn.

Everything goes through the supervision services, as a user would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from warroom.geo.models import Area

# (kind, how many in a district of ``population`` residents, index of the district).
CARE_HOMES_PER = 250_000


def _place_counts(population: int, index: int) -> dict[str, int]:
    return {
        "care_home": max(1, min(4, population // CARE_HOMES_PER)),
        "welfare_home": 1,
        "psychiatric": 1 if index % 2 == 0 else 0,
        "prison": 1 if index % 3 == 0 else 0,
    }


_PLACE_NAMES = {
    "care_home": ("养老院", 120, 30),
    "welfare_home": ("社会福利院", 200, 60),
    "psychiatric": ("精神卫生中心", 300, 150),
    "prison": ("监狱", 1500, 400),
}


def seed_special_places(*, actor: Any) -> int:
    """Register the districts' special places (idempotent); the number added."""
    from warroom.supervision.models import SpecialPlace
    from warroom.supervision.services import do_register_place

    districts = list(Area.objects.filter(depth=1).order_by("code"))
    known = set(SpecialPlace.objects.values_list("code", flat=True))
    added = 0
    for index, district in enumerate(districts):
        streets = list(Area.objects.filter(parent=district).order_by("code")[:8]) or [district]
        population = district.population or 0
        n = 0
        for kind, count in _place_counts(population, index).items():
            word, residents, staff = _PLACE_NAMES[kind]
            for k in range(1, count + 1):
                code = f"SP-{district.code}-{kind}-{k}"
                if code in known:
                    continue
                street = streets[n % len(streets)]
                n += 1
                do_register_place(
                    code=code,
                    name=f"{street.name_zh}{'第' + str(k) if count > 1 else ''}{word}",
                    kind=kind,
                    area=street,
                    residents=residents,
                    staff=staff,
                    contact=f"{street.name_zh}{word}值班室",
                    actor=actor,
                )
                added += 1
    return added


# The campaign of each phase, from the seed (what Wuhan's headquarters set out to do).
# (summary, [(kind, title, target, days to the deadline)]).
PHASE_CAMPAIGNS: dict[str, tuple[str, list[tuple[str, str, str, int]]]] = {
    "HIGH": (
        "高位运行期：发起总攻，打好应收尽收攻坚战。坚持“三量管控”，力求“四应四尽”，"
        "“宁可病床等人，不能病人等床”。",
        [
            ("key_task", "应收尽收：四类人员日清日结清零", "四类人员当日收治或隔离", 7),
            ("key_task", "筹集床位：滚动安排每3天1万张床位", "实现“床等病人”", 10),
            (
                "key_task",
                "城乡社区全部严格实行封闭管理",
                "严格隔离标准、严肃封控纪律、严封开放小区、严管人员出入",
                7,
            ),
            ("difficulty", "缺床位、人等床", "等床超过24小时的人数清零", 10),
            ("practical", "医疗物资粮草备足", "一线防护物资不断供", 14),
        ],
    ),
    "MIDDLE": (
        "中位运行期：突出“五个重点”、攻克“五大难点”；提高收治率和治愈率，降低感染率和病亡率。",
        [
            ("key_task", "提高收治率，降低感染率，控制患者增量", "收治率≥95%", 10),
            ("key_task", "前移治疗端口，重视轻症治疗", "降低重症发生率", 14),
            ("key_task", "创建“无疫情社区”", "无疫情小区、社区逐日增加", 14),
            ("difficulty", "特殊场所疫情防控薄弱", "监所、养老院、精神卫生机构整改到位", 10),
            ("difficulty", "疫情数据统计不实", "数据弄虚作假的严肃问责", 7),
            (
                "practical",
                "软服务：增品类、稳物价、优配送、帮特困、保就医、真关爱",
                "特殊群体落实包保联系人",
                10,
            ),
        ],
    ),
    "LOW": (
        "低位运行期：抓住“四对主要矛盾”，解决“六个苗头性问题”；增强“三感”，"
        "推动“十件实事”尽快落地见效。",
        [
            ("key_task", "慎终如始，超前研究和及时解决六类苗头性问题", "问题逐项销号", 10),
            ("key_task", "分区分级、分类分时、有条件的复工复产", "中小企业有序复工", 14),
            ("difficulty", "医疗废物处置能力不足", "日产日清、应处尽处", 7),
            ("practical", "出台关爱抗疫医务人员、基层社区干部的政策措施", "政策出台", 14),
            ("practical", "“点对点、一站式”输送务工人员返岗、滞留人员返乡", "安全有序", 14),
        ],
    ),
    "TAIL": (
        "扫尾期：打赢疫情斗争第一战，尽早推动“经济发展第二战”，联动开启“三战”"
        "（抗疫总体战、经济发展战、风险化解战）。",
        [
            ("key_task", "抗疫总体战：扫尾清零，严防反弹", "新增确诊清零", 14),
            ("key_task", "经济发展战：中小民营企业“活下来、留下来、强起来”", "应急救助计划", 14),
            ("key_task", "风险化解战：超前防控化解“四大风险”", "风险指标每日研判", 14),
            ("practical", "研究“灾后综合症”，开展善后工作", "群众合理诉求妥善解决", 21),
        ],
    ),
    "CLEARED": (
        "清零之后：常态化防控，统筹推进疫情防控与经济社会发展，把重大风险化解在市域。",
        [
            ("key_task", "常态化防控：外防输入、内防反弹", "无本地新增", 21),
            ("difficulty", "心理创伤锐化及社会戾气积聚", "心理疏导全覆盖", 21),
            ("practical", "推进市域社会治理现代化", "总结抗疫经验", 30),
        ],
    ),
}


def _owners(actor: Any, city: Area) -> list[Any]:
    """Who takes the plan's lines: headquarters (city users who manage areas) and the
    district officers (district users who may change records), in turn; else anyone
    below who may change records."""
    from warroom.core.users import users_under

    people = [u for u in users_under(actor, city) if u.can("change")]
    top = [u for u in people if (u.area.depth == 0 and u.can("manage_areas")) or u.area.depth == 1]
    return top or people


def seed_phase_plan(day: dt.date, *, actor: Any) -> Any:
    """Record the campaign of the phase the city's situation declares on ``day`` if it has
    no plan yet (idempotent); the plan recorded, else None."""
    from warroom.situation.models import Situation
    from warroom.supervision.models import PhasePlan
    from warroom.supervision.services import PlanLine, do_record_phase_plan

    city = Area.objects.filter(depth=0).order_by("code").first()
    if city is None:
        return None
    situation = Situation.objects.filter(area=city, day__lte=day).order_by("-day").first()
    phase = (situation.payload.get("phase") or {}) if situation is not None else {}
    declared, start = phase.get("declared"), phase.get("start")
    if declared not in PHASE_CAMPAIGNS or not start:
        return None
    since = dt.date.fromisoformat(start)
    if PhasePlan.objects.filter(area=city, phase=declared, phase_start=since).exists():
        return None
    owners = _owners(actor, city)
    if not owners:
        return None
    summary, lines = PHASE_CAMPAIGNS[declared]
    return do_record_phase_plan(
        city,
        phase=declared,
        phase_start=since,
        summary=summary,
        lines=[
            PlanLine(kind, title, owners[i % len(owners)], day + dt.timedelta(days=d), target)
            for i, (kind, title, target, d) in enumerate(lines)
        ],
        actor=actor,
    )
