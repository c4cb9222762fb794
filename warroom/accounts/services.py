"""Creating users and tokens. Every write is a service that runs as an actor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from warroom.accounts.models import TOKEN_PREFIX, ApiToken, User, hash_token
from warroom.accounts.roles import Role
from warroom.core.context import acting
from warroom.core.errors import Conflict, InvalidInput, NotFound
from warroom.geo.models import Area


def do_create_user(
    username: str,
    *,
    role: str,
    area_code: str,
    password: str,
    actor: Any,
    email: str = "",
    full_name: str = "",
    check_password: bool = True,
) -> User:
    if role not in Role.values:
        raise InvalidInput(f"unknown role {role!r}; one of: {', '.join(Role.values)}")
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound(f"no area with code {area_code!r}")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"a user named {username!r} already exists")
    user = User(username=username, role=role, area=area, email=email, first_name=full_name)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput("; ".join(exc.messages)) from None
    user.set_password(password)
    user.is_staff = user.can("admin")
    with acting(actor), transaction.atomic():
        user.save()
    return user


def do_create_token(
    user: User, *, name: str, actor: Any, days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns it and the secret, shown once and never again."""
    key_id, secret = ApiToken.new_secret()
    token = ApiToken(
        user=user,
        name=name,
        key_id=key_id,
        key_hash=hash_token(secret),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    with acting(actor), transaction.atomic():
        token.save()
    return token, f"{TOKEN_PREFIX}_{key_id}_{secret}"


def do_revoke_token(token: ApiToken, *, actor: Any) -> None:
    token.revoked_at = timezone.now()
    with acting(actor), transaction.atomic():
        token.save(update_fields=["revoked_at"])


def authenticate_token(raw: str) -> User | None:
    """The user behind a presented token, or None (wrong, revoked, expired)."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user__area").filter(key_id=parts[1]).first()
    if token is None or not token.usable or not token.user.is_active:
        return None
    import hmac

    if not hmac.compare_digest(token.key_hash, hash_token(parts[2])):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
