"""The catalogue of items (seeded, idempotent): what each is, its standard, its unit.

The codes of the items the twin simulates are the twin's (``warroom.twin.records.
SUPPLY_NAMES``), so its ``supplies.csv`` names items the platform knows.
"""

from __future__ import annotations

from typing import Any

# (code, Chinese name, English name, category, unit, standard)
ITEMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("n95_mask", "医用防护口罩(N95)", "N95 respirator", "ppe", "只", "GB 19083-2010"),
    ("surgical_mask", "医用外科口罩", "Surgical mask", "ppe", "只", "YY 0469-2011"),
    ("protective_suit", "医用一次性防护服", "Protective suit", "ppe", "套", "GB 19082-2009"),
    ("isolation_gown", "隔离衣", "Isolation gown", "ppe", "件", "YY/T 0506"),
    ("goggles", "护目镜", "Goggles", "ppe", "个", "GB 14866-2006"),
    ("face_shield", "防护面屏", "Face shield", "ppe", "个", "GB 14866-2006"),
    ("gloves_pair", "医用检查手套", "Examination gloves", "ppe", "副", "GB 10213-2006"),
    ("ventilator", "呼吸机", "Ventilator", "device", "台", "GB 9706.212-2020 / YY 0600"),
    ("ecmo", "体外膜肺氧合(ECMO)", "ECMO", "device", "台", "NMPA registration"),
    ("test_kit", "核酸检测试剂盒", "Nucleic acid test kit", "test", "人份", "NMPA registration"),
    ("swab", "采样拭子", "Sampling swab", "test", "支", "NMPA registration"),
    (
        "disinfectant",
        "含氯消毒剂",
        "Chlorine disinfectant",
        "disinfectant",
        "升",
        "GB/T 36758-2018",
    ),
)


def ensure_catalogue(item_model: Any = None) -> None:
    """Create the catalogue's items that are missing (a migration and the tests call it)."""
    if item_model is None:
        from warroom.supplies.models import Item as item_model
    have = set(item_model.objects.values_list("code", flat=True))
    item_model.objects.bulk_create(
        [
            item_model(code=code, name=name, name_en=en, category=cat, unit=unit, standard=standard)
            for code, name, en, cat, unit, standard in ITEMS
            if code not in have
        ]
    )


def items_by_code() -> dict[str, Any]:
    from warroom.supplies.models import Item

    found = {i.code: i for i in Item.objects.all()}
    if not found:
        ensure_catalogue()
        found = {i.code: i for i in Item.objects.all()}
    return found
