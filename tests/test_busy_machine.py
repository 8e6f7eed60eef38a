"""The suite must pass on a busy machine: nothing in it may hang on the wall clock."""

from hypothesis import given, settings
from hypothesis import strategies as st


def test_property_tests_have_no_deadline():
    assert settings.default.deadline is None
    assert settings.get_profile("cakupan").deadline is None


@given(st.integers())
def test_a_property_without_its_own_settings_inherits_no_deadline(value):
    # Hypothesis fails a test whose examples exceed the deadline; with none, even a stalled example passes.
    assert settings.default.deadline is None
    assert isinstance(value, int)
