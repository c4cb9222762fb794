"""Medical supplies (医疗物资): the catalogue, the places that hold stock, a double-entry
ledger of every movement, donations, allocations, aid teams.

The ledger (docs/supplies.md): every movement debits one account (the place that
receives) and credits another (the place that gives); sources and sinks outside the
city's stock are accounts too (``Place.kind`` SOURCE, SINK, ADJUSTMENT), so the sum of
every balance of an item and lot is always zero and no stock comes from nowhere. A
:class:`Balance` row per (item, place, lot) holds the running quantity with
``CHECK (quantity >= 0)`` for the city's own places, moved only by conditional UPDATEs:
the database, not the application, refuses to drive stock negative. Movements are
append-only and chained: each carries an HMAC-SHA256 of its fields and the previous
movement's hash under the audit key (kept outside the database).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from warroom.audit.mixins import AuditedModel
from warroom.core.choices import LabelledChoices
from warroom.core.scoping import RestrictedManager


class Category(LabelledChoices):
    PPE = "ppe", _("Protective equipment")
    DEVICE = "device", _("Medical device")
    TEST = "test", _("Testing")
    DISINFECTANT = "disinfectant", _("Disinfection")
    OTHER = "other", _("Other")


class Item(models.Model):
    """A catalogue entry: what it is, the standard it must meet, its unit."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices())
    unit = models.CharField(_("unit"), max_length=16)
    standard = models.CharField(_("standard"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class PlaceKind(LabelledChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    FACILITY = "facility", _("Facility")
    SOURCE = "source", _("Source")
    SINK = "sink", _("Used or disposed")
    ADJUSTMENT = "adjustment", _("Inventory difference")


EXTERNAL_KINDS = (PlaceKind.SOURCE, PlaceKind.SINK, PlaceKind.ADJUSTMENT)


class Source(LabelledChoices):
    """Where inbound supplies came from (the seed's five channels)."""

    NATIONAL = "national", _("National allocation")
    PROVINCE = "province", _("Other provinces")
    PURCHASE = "purchase", _("Purchase")
    PRODUCTION = "production", _("Local production")
    DONATION = "donation", _("Donation")


class Place(AuditedModel):
    """An account of the ledger: a warehouse, a facility's store, or an outside account."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=PlaceKind.choices())
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="supply_places", verbose_name=_("area")
    )
    facility = models.OneToOneField(
        "beds.Facility",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supply_place",
        verbose_name=_("facility"),
    )

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def external(self) -> bool:
        return self.kind in EXTERNAL_KINDS

    @property
    def label(self) -> str:
        """The name a reader sees: an outside account (``SRC-<source>``, ``SINK-used``,
        ``ADJ-count``) by its translated kind or source, not the name stored at creation."""
        if self.kind == PlaceKind.SOURCE and self.code.startswith("SRC-"):
            try:
                return str(Source(self.code[4:]).label)
            except ValueError:
                return self.name
        if self.kind in (PlaceKind.SINK, PlaceKind.ADJUSTMENT):
            return str(PlaceKind(self.kind).label)
        return self.name


class Lot(models.Model):
    """A batch of one item (a delivery, a donation) with its expiry."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lots"
    )
    code = models.CharField(_("lot"), max_length=64)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="supplies_lot_unique")]

    def __str__(self) -> str:
        return self.code or "-"


class Balance(models.Model):
    """The running quantity of one item and lot at one place: moved by conditional UPDATE.

    ``external`` copies the place's kind so that the CHECK can exempt the outside accounts
    (a source is credited below zero by every receipt: that is where stock came from).
    """

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="balances"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"), default=0)
    external = models.BooleanField(_("outside the city"), default=False)

    scope_path = "place__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "place", "lot"], name="supplies_balance_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(external=True),
                name="supplies_balance_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.place_id}: {self.quantity}"


class MovementKind(LabelledChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER = "transfer", _("Transfer")
    ISSUE = "issue", _("Issue")
    ADJUSTMENT = "adjustment", _("Adjustment")


class Movement(models.Model):
    """One posting of the ledger: ``quantity`` of ``item``/``lot`` from ``credit`` to
    ``debit``. Never updated, never deleted; ``seq`` is gap-free and ``hash`` chains it."""

    seq = models.BigIntegerField(_("seq"), unique=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices())
    # Built for a million-row import (docs/supplies.md, "Speed"). Indexes: each is
    # maintained by every row, so only those a read needs: (debit, item) and (credit,
    # item) serve a place's movements and the PROTECT checks of a place; an item alone is
    # looked up only by its deletion (PROTECT: a scan is fine); donations and plans are
    # rare, so their indexes hold only the movements that have one. The item, lot and
    # place references are not database foreign keys: PostgreSQL checks those row by row
    # (2.4 times the cost of the insert itself); the ledger resolves every id from the
    # database under its lock, nothing here is ever deleted (PROTECT), and verify()
    # reports a movement naming an item, lot or place that does not exist.
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    debit = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="debits",
        verbose_name=_("to"),
        db_index=False,
        db_constraint=False,
    )
    credit = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="credits",
        verbose_name=_("from"),
        db_index=False,
        db_constraint=False,
    )
    quantity = models.BigIntegerField(_("quantity"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices(), blank=True)
    donation = models.ForeignKey(
        "Donation",
        verbose_name=_("donation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        db_index=False,
    )
    plan = models.ForeignKey(
        "AllocationPlan",
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        db_index=False,
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    scope_path = "debit__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supplies_movement_positive"),
            models.CheckConstraint(
                condition=~Q(debit=F("credit")), name="supplies_movement_two_accounts"
            ),
        ]
        indexes = [
            models.Index(fields=["debit", "item"], name="supplies_mv_debit_item"),
            models.Index(fields=["credit", "item"], name="supplies_mv_credit_item"),
            models.Index(
                fields=["donation"],
                name="supplies_mv_donation",
                condition=Q(donation__isnull=False),
            ),
            models.Index(fields=["plan"], name="supplies_mv_plan", condition=Q(plan__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.quantity}"


class LedgerHead(models.Model):
    """The chain's head (one row): locked by every posting, so movements are sequenced."""

    seq = models.BigIntegerField(_("seq"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default="")

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"head {self.seq}"


class StockCount(AuditedModel):
    """A physical inventory of one place: the difference is booked as an adjustment."""

    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="counts"
    )
    day = models.DateField(_("date"))
    counted = models.JSONField(
        _("counted quantity"), default=list
    )  # [{"item", "lot", "book", "counted"}]
    note = models.TextField(_("note"), blank=True)
    by = models.CharField(_("counted by"), max_length=150, blank=True)

    scope_path = "place__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")


class DonorKind(LabelledChoices):
    ALUMNI = "alumni", _("Alumni")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneurs")
    COMPANY = "company", _("Company")
    ABROAD = "abroad", _("From abroad")
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual")


class DonationForm(LabelledChoices):
    GOODS = "goods", _("Goods")
    MONEY = "money", _("Money")


class DonationStatus(LabelledChoices):
    RECEIVED = "received", _("Received, awaiting inspection")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Donation(AuditedModel):
    """One donation: a donor's money, or one item's goods (a shipment of several items is
    several donations with one reference). Goods enter the ledger only once accepted."""

    donor = models.CharField(_("donor"), max_length=200)
    donor_kind = models.CharField(_("donor type"), max_length=16, choices=DonorKind.choices())
    # What may be shown on the public page: the donor's agreed name (empty = anonymous).
    public_name = models.CharField(_("name shown publicly"), max_length=200, blank=True)
    country = models.CharField(_("country or region"), max_length=64, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="donations", verbose_name=_("area")
    )
    received_on = models.DateField(_("received on"))
    form = models.CharField(_("form"), max_length=8, choices=DonationForm.choices())
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT
    )
    quantity = models.BigIntegerField(_("quantity"), null=True, blank=True)
    standard_claimed = models.CharField(_("standard claimed"), max_length=200, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    warehouse = models.ForeignKey(
        Place,
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    use = models.CharField(_("designated use"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DonationStatus.choices(),
        default=DonationStatus.RECEIVED,
    )
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    inspected_by = models.CharField(_("inspected by"), max_length=150, blank=True)
    standard_met = models.CharField(_("standard checked"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), null=True, blank=True, on_delete=models.PROTECT
    )
    published = models.BooleanField(_("published"), default=False)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(form="money", amount_fen__gt=0, item__isnull=True)
                    | Q(form="goods", quantity__gt=0, item__isnull=False)
                ),
                name="supplies_donation_money_or_goods",
            )
        ]

    def __str__(self) -> str:
        return f"{self.donor} {self.received_on}"


class PlanStatus(LabelledChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("allocation plan", "Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class AllocationPlan(AuditedModel):
    """A proposed allocation of one warehouse's stock to facilities by need and priority."""

    day = models.DateField(_("date"))
    warehouse = models.ForeignKey(
        Place, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="plans"
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices(), default=PlanStatus.PROPOSED
    )
    proposed_by = models.CharField(_("proposed by"), max_length=150, blank=True)
    confirmed_by = models.CharField(_("confirmed by"), max_length=150, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days of need"), default=1)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-day", "-pk"]


class AllocationLine(models.Model):
    plan = models.ForeignKey(
        AllocationPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="lines"
    )
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    need = models.BigIntegerField(_("need"), default=0)
    proposed = models.BigIntegerField(_("proposed quantity"), default=0)
    tier = models.PositiveSmallIntegerField(_("tier"), default=0)

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["tier", "place__code", "item__code"]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.item_id}: {self.proposed}"


class StockAlert(models.Model):
    """The daily cycle's stock-out warning: a place with fewer days of stock than the
    threshold for an item (replaced per day)."""

    day = models.DateField(_("day"))
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="alerts"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="+"
    )
    stock = models.BigIntegerField(_("stock"))
    per_day = models.FloatField(_("use per day"))
    days_left = models.FloatField(_("days left"))

    scope_path = "place__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["days_left"]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.item_id}: {self.days_left:.1f}"


class LedgerCheck(models.Model):
    """The result of the last ledger verification (the daily cycle and the CLI)."""

    at = models.DateTimeField(_("checked at"), default=timezone.now)
    ok = models.BooleanField(_("chain intact"))
    movements = models.BigIntegerField(_("movements checked"), default=0)
    problems = models.JSONField(_("problems"), default=list)

    class Meta:
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")

    def __str__(self) -> str:
        return f"{self.at} {self.ok}"


class MedicalTeam(AuditedModel):
    """An aid team (援鄂医疗队) at a hospital: who, how many, where they stay and eat."""

    name = models.CharField(_("name"), max_length=200)
    origin = models.CharField(_("origin province"), max_length=64)
    size = models.PositiveIntegerField(_("members"))
    doctors = models.PositiveIntegerField(_("doctors"), default=0)
    nurses = models.PositiveIntegerField(_("nurses"), default=0)
    specialities = models.CharField(_("specialities"), max_length=300, blank=True)
    arrived_on = models.DateField(_("arrived on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    hospital = models.ForeignKey(
        "beds.Facility", on_delete=models.PROTECT, related_name="teams", verbose_name=_("hospital")
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    lodging = models.CharField(_("lodging"), max_length=200, blank=True)
    meals = models.CharField(_("meals"), max_length=200, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("medical team")
        verbose_name_plural = _("medical teams")
        ordering = ["-arrived_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(doctors__lte=F("size")) & Q(nurses__lte=F("size")),
                name="supplies_team_members",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CareKind(LabelledChoices):
    LODGING = "lodging", _("Lodging")
    MEALS = "meals", _("Meals")
    REST = "rest", _("Rest and shifts")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    TRANSPORT = "transport", _("Transport")
    FAMILY = "family", _("Help for families")
    PROTECTION = "protection", _("Protection and health checks")


class CareMeasure(AuditedModel):
    """A care measure for front-line staff (关心关爱医务人员)."""

    area = models.ForeignKey(
        "geo.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        MedicalTeam,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="care",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CareKind.choices())
    day = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    by = models.CharField(_("recorded by"), max_length=150, blank=True)

    scope_path = "area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("care measure")
        verbose_name_plural = _("care measures")
        ordering = ["-day", "-pk"]
