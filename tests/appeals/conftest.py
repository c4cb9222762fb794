import pytest

from tests.conftest import _user


@pytest.fixture
def operator_user(city):
    """A hotline operator at the city level (the 12345 centre)."""
    return _user("op_city", "hotline_operator", "9901")


@pytest.fixture
def operator_b(city):
    """A hotline operator of District B."""
    return _user("op_b", "hotline_operator", "990102")


@pytest.fixture
def street_a(city):
    return _user("street_a", "street_officer", "990101001")
