"""Writes for users and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from guanxi.accounts.choices import Language
from guanxi.accounts.models import ApiToken, User


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(*, username: str, password: str) -> str | None:
    """A fresh bearer token for valid credentials, or None; the raw token is shown once."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    raw = "gx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        expires_at=timezone.now() + dt.timedelta(days=settings.GUANXI_API_TOKEN_DAYS),
    )
    return raw


def api_token_user(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, if it is known and not expired."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__role")
        .filter(digest=_digest(raw), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # Touch at most every few minutes so a busy client does not write on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_set_language(*, user: User, language: str) -> None:
    if language not in Language.values:
        raise ValueError(f"unknown language {language!r}")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
