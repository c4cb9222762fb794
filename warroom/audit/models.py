"""The audit log: append-only, hash-chained and sealed with a key kept outside the database.

Each entry carries a gap-free sequence number and the hash of the previous entry; its own
hash is an HMAC-SHA256 over every field under the key named by ``key_id``
(:mod:`warroom.audit.keys`). ``warroom audit verify`` recomputes the chain, so an entry
edited or deleted behind the application's back (raw SQL) is detected: an edit breaks
that entry's seal, a deletion leaves a gap, a deleted tail disagrees with the head row and
with the anchors the daily cycle writes outside the database (:mod:`warroom.audit.anchors`).

Entries written before the chain was keyed have an empty ``key_id`` and a plain SHA-256
hash; they are verified as they were written, and only before the first keyed entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from warroom.core.scoping import RestrictedManager

# The actions written to the log, named for people (the stored code stays the code).
ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "import": _("imported"),
    "batch": _("batch written"),
    "compute": _("computed"),
    "recompute": _("recomputed"),
    "confirm": _("confirmed"),
    "reopen": _("reopened"),
    "assign_beds": _("beds assigned"),
    "decertify": _("certification withdrawn"),
    "view_personal": _("personal data viewed"),
    "sign_in": _("signed in"),
    "sign_out": _("signed out"),
    "sign_in_failed": _("sign-in failed"),
    "transition": _("status transition"),
    "isolate": _("isolated"),
    "merge": _("records merged"),
    "place": _("placed in a bed"),
    "transfer": _("transferred"),
    "end": _("placement ended"),
    "refuse": _("placement refused"),
    "post": _("stock posted"),
    "supplies.ledger_tampered": _("stock ledger tampered with"),
    "waste.capacity": _("plant capacity set"),
}


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    ts = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=16)
    ip = models.CharField(_("address"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    area_path = models.CharField(_("area path"), max_length=512, blank=True)
    before = models.TextField(_("before"), blank=True)  # canonical JSON, hashed as stored
    after = models.TextField(_("after"), blank=True)
    message = models.TextField(_("message"), blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    # The id of the key that sealed this entry; empty: written before the chain was keyed.
    key_id = models.CharField(_("key id"), max_length=32, blank=True, default="")

    # An auditor sees the entries of his subtree; entries with no area are the city's.
    scope_path = "area_path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [
            models.Index(
                fields=["area_path"], name="audit_area_path_idx", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def action_label(self) -> str:
        """The action's name in the reader's language (the stored code otherwise)."""
        label = ACTION_LABELS.get(self.action)
        return str(label) if label is not None else self.action


class AuditHead(models.Model):
    """The chain's head: last sequence number and hash (one row, locked by each append)."""

    seq = models.BigIntegerField(_("seq"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit head")

    def __str__(self) -> str:
        return f"head {self.seq} {self.hash[:12]}"
