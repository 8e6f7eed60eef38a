import datetime as dt

import pytest

from cakupan.registry import services as registry_services

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def small_population(db):
    """A synthetic registry of 5,760 workers (scale 0.001) for November 2026, loaded through the service."""
    return registry_services.population_generate(scale=0.001, seed=7, as_of=AS_OF)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Production hashing costs ~0.3 s a password; the suite creates many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
