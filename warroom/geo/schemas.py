from ninja import Schema


class AreaOut(Schema):
    code: str
    parent_code: str | None
    level: str
    kind: str
    name_zh: str
    name_en: str
    population: int | None
    lat: float | None
    lon: float | None
    synthetic: bool
    depth: int

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        parent = getattr(obj, "parent", None)
        return parent.code if parent is not None else None


class AreaDetailOut(AreaOut):
    ancestors: list[AreaOut]
    counts: dict[str, int]


class AreaImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    already_imported: bool
    sha256: str
