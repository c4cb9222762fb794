"""Hot topics: the day's appeals grouped into topics on the boards, the API and the agenda."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from warroom.accounts.services import do_create_token
from warroom.appeals import selectors
from warroom.appeals.models import Channel
from warroom.appeals.services import do_file_appeal
from warroom.core.context import SYSTEM
from warroom.core.today import today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
COMPOUND = "990101001001001"
TEXTS = [
    *[f"{who}确诊了一直没有床位，发烧呼吸困难，求安排住院" for who in "甲乙丙丁"],
    *[f"{who}的降压药吃完了，药店关门买不到药" for who in "甲乙丙"],
    "小区门口的路灯坏了",
]


def test_the_days_appeals_form_topics_on_the_boards_the_api_and_the_agenda(
    city, hq, operator_b, client
):
    filed = [
        do_file_appeal(
            channel=Channel.HOTLINE,
            text=f"{text}（{n}）",
            area=city[COMPOUND],
            category="other",
            urgency="normal",
            actor=SYSTEM,
        )
        for n, text in enumerate(TEXTS)
    ]
    rows = selectors.topic_clusters(hq, city["9901"], end=today())
    # Every appeal in exactly one topic; the beds and the medicine apart; "other" last.
    assert sorted(i for r in rows for i in r.ids) == sorted(a.pk for a in filed)
    beds, medicine = rows[0], rows[1]
    assert beds.today == beds.window == 4 and set(beds.ids) == {a.pk for a in filed[:4]}
    assert medicine.today == 3 and "降压药" in medicine.label
    assert "呼吸困难" in beds.label and rows[-1].key == selectors.OTHER_TOPIC
    # Another district's operator sees no topic of District A's appeals.
    assert selectors.topic_clusters(operator_b, operator_b.area, end=today()) == []

    client.force_login(hq)
    board = client.get("/appeals/").content.decode()
    assert 'data-testid="hot-topics"' in board and "、".join(beds.label) in board
    assert f'?days=1&amp;topic={quote(beds.key)}"' in board  # a drill-down into the day's
    drill = client.get("/appeals/topics/", {"topic": beds.key}).content.decode()
    assert all(a.number in drill for a in filed[:4]) and filed[5].number not in drill
    gone = client.get("/appeals/topics/", {"topic": "不存在"}).content.decode()
    assert 'data-testid="topic-gone"' in gone and 'data-testid="topic-appeals"' not in gone

    _, token = do_create_token(hq, name="t", actor=SYSTEM)
    api = client.get("/api/appeals/topics", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert api[0] == {
        "key": beds.key,
        "label": list(beds.label),
        "today": 4,
        "window": 4,
        "appeals": list(beds.ids),
    }

    # The stand-up's agenda: one "hot topics" line, each topic a drill-down to its appeals.
    from warroom.situation import briefing
    from warroom.situation.selectors import _link, appeals_panel

    panel = appeals_panel(hq, city["9901"], today())
    items = briefing.decisions_needed({**_EMPTY_ROOM, "appeals": panel})
    hot = next(i for i in items if i["kind"] == "hot_topics")
    assert [m["today"] for m in hot["members"]] == [4, 3]  # at least HOT_TOPIC_MIN today
    assert "、".join(beds.label) in briefing.item_text(hot)
    assert _link(hot["members"][0], city["9901"], today()) == "/appeals/topics/?" + urlencode(
        {"days": 1, "topic": beds.key}
    )


_EMPTY_ROOM: dict = {
    "day": "2020-03-20",
    "reporting": {"missing": []},
    "clearance": {"duties": {}},
    "overloaded": [],
    "tasks": {"items": []},
    "quality": {"top": []},
}
