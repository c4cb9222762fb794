from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from warroom.core.context import SYSTEM


def make_user(username: str, role: str, area: str, email: str = ""):
    from warroom.accounts.services import do_create_user

    user = do_create_user(username, role=role, area_code=area, password=PASSWORD, actor=SYSTEM)
    if email:
        user.email = email
        user.save(update_fields=["email"])
    return user


@pytest.fixture
def supervisor(city):
    """A supervisor of the city (纪检监察): inspects, verifies, sees accountability."""
    return make_user("supervisor", "supervisor", "9901", "supervisor@example.org")


@pytest.fixture
def outsider_supervisor(city):
    """A supervisor of District B: accountability capability, another jurisdiction."""
    return make_user("supervisor_b", "supervisor", "990102")
