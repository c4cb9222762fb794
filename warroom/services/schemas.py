import datetime as dt
from decimal import Decimal

from ninja import Schema


class ResidentIn(Schema):
    compound_code: str
    name: str
    kind: str
    address: str = ""
    phone: str = ""


class ResidentOut(Schema):
    id: int
    name: str
    kind: str
    compound_code: str
    caretaker: str
    has_caretaker: bool
    last_visit_at: dt.datetime | None

    @staticmethod
    def resolve_compound_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_caretaker(obj: object) -> str:
        return obj.caretaker_label  # type: ignore[attr-defined]


class CaretakerIn(Schema):
    username: str | None = None
    name: str = ""
    phone: str = ""


class VisitIn(Schema):
    needs: str = ""
    note: str = ""


class BacklogOut(Schema):
    area_code: str
    total: int
    without_caretaker: int
    not_visited: int


class PriceIn(Schema):
    district_code: str
    item: str
    date: dt.date
    price: Decimal
    unit: str = "kg"


class PriceAlertOut(Schema):
    district_code: str
    item: str
    unit: str
    date: dt.date
    price: Decimal
    week_ago_date: dt.date
    week_ago_price: Decimal
    rise: float


class OrderItemIn(Schema):
    name: str
    quantity: Decimal
    unit: str = ""
    unit_price: Decimal


class OrderIn(Schema):
    compound_code: str
    kind: str = "groceries"
    supplier: str = ""
    items: list[OrderItemIn]


class OrderOut(Schema):
    id: int
    compound_code: str
    kind: str
    status: str
    ordered_at: dt.datetime
    delivered_at: dt.datetime | None

    @staticmethod
    def resolve_compound_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]


class MedicalIn(Schema):
    compound_code: str
    person: str
    kind: str
    phone: str = ""
    note: str = ""


class MedicalOut(Schema):
    id: int
    compound_code: str
    person: str
    kind: str
    hospital: str
    status: str
    requested_at: dt.datetime

    @staticmethod
    def resolve_compound_code(obj: object) -> str:
        return obj.area.code  # type: ignore[attr-defined]


class RouteIn(Schema):
    hospital: str
