from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from warroom.accounts.roles import CAPABILITIES, Role
from warroom.audit.mixins import AuditedModel
from warroom.core.scoping import RestrictedManager, RestrictedQuerySet


class WarroomUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass


class User(AuditedModel, AbstractUser):
    """A person using warroom: one role, bound to one area (and so to its subtree)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "geo.Area", on_delete=models.PROTECT, related_name="users", verbose_name=_("area")
    )
    failed_logins = models.PositiveSmallIntegerField(_("failed sign-ins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    audit_exclude = ("password", "last_login", "failed_logins", "locked_until")
    REQUIRED_FIELDS = ["email", "role", "area"]
    scope_path = "area__path"
    objects = WarroomUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username

    def can(self, capability: str) -> bool:
        return self.is_active and capability in CAPABILITIES.get(self.role, frozenset())

    @cached_property
    def area_path(self) -> str:
        return self.area.path if self.area_id else ""

    @property
    def audit_area_path(self) -> str:
        return self.area_path

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


TOKEN_PREFIX = "wr"  # noqa: S105 - a label, not a secret


def hash_token(secret: str) -> str:
    # Tokens are 256-bit random: a plain SHA-256 is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(AuditedModel):
    """A machine client's key (a hospital, a lab, a district system). Only its hash is kept."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_exclude = ("key_hash", "last_used_at")
    scope_path = "user__area__path"
    objects = RestrictedManager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.key_id}_…)"

    @property
    def audit_area_path(self) -> str:
        return self.user.area_path

    @staticmethod
    def new_secret() -> tuple[str, str]:
        return secrets.token_hex(6), secrets.token_urlsafe(32)

    @property
    def usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
