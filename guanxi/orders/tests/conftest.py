from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English, whatever the site's default language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def english_pages(client) -> None:
    """Pages in English too (the site defaults to Chinese for users without a saved choice)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
