import pytest

from cakupan.core.errors import DomainError
from cakupan.messaging.addresses import email_address, mobile_number, normalise


@pytest.mark.parametrize("raw", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "081234567890"])
def test_mobile_numbers_as_people_write_them(raw):
    assert mobile_number(raw) == "+6281234567890"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0254-123456", "phone_not_mobile"),
        ("12345", "phone_invalid"),
        ("halo", "phone_invalid"),
        ("+12025550123", "phone_invalid"),
        ("", "phone_invalid"),
    ],
)
def test_numbers_that_are_not_indonesian_mobiles_are_refused(raw, code):
    with pytest.raises(DomainError) as caught:
        mobile_number(raw)
    assert caught.value.code == code
    assert "nomor" in caught.value.message


def test_email_is_checked_and_lower_cased():
    assert email_address(" Siti@Contoh.ID ") == "siti@contoh.id"
    with pytest.raises(DomainError) as caught:
        email_address("siti@")
    assert caught.value.code == "email_invalid"


def test_unknown_channel():
    with pytest.raises(DomainError) as caught:
        normalise("telegram", "x")
    assert caught.value.code == "channel_unknown"
