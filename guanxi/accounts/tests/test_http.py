"""The typed request helper: the API's user, else the session's, else a refusal."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from guanxi.accounts.http import request_user

pytestmark = pytest.mark.django_db


def test_request_user_is_the_session_user_of_a_view(org) -> None:
    request = RequestFactory().get("/")
    request.user = org.owner
    assert request_user(request) == org.owner


def test_request_user_prefers_the_api_user_to_the_session(org) -> None:
    request: Any = RequestFactory().get("/api/v1/customers")
    request.user = AnonymousUser()  # a bearer token leaves the session anonymous
    request.auth = org.manager
    assert request_user(request) == org.manager


def test_request_user_refuses_an_anonymous_request() -> None:
    request: Any = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        request_user(request)
    request.auth = None  # an endpoint without authentication
    with pytest.raises(PermissionDenied):
        request_user(request)

