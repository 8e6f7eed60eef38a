"""What the status check decides before any look-up (no database)."""

import pytest

from cakupan.portal import screening

REAL = "3602014506900001"


@pytest.mark.parametrize(
    "raw",
    [
        "360201450690001",  # 15 digits
        "36020145069000011",  # 17 digits
        "36020I4506900001",  # a letter
        "9902014506900001",  # unknown province
        "3699014506900001",  # unknown kab/kota
        "3602013102900001",  # 31 February
        "3602017306900001",  # day 73 (33 + 40)
        "3602014506900000",  # serial 0000
        "1111111111111111",  # one digit repeated
        "3602011111111111",  # a long run of one digit
        "1234567890123456",  # a sequence
        "",
        None,
        3602014506900001,
        "3" * 100,
    ],
)
def test_a_nik_that_cannot_be_real_is_refused(raw):
    assert screening.screen_nik(raw) is None


def test_a_real_looking_nik_passes_with_separators_forgiven():
    assert screening.screen_nik(REAL) == REAL
    assert screening.screen_nik("3602 0145 0690 0001") == REAL
    assert screening.screen_nik("36.02.01-450690-0001") == REAL


@pytest.mark.parametrize(("raw", "expected"), [("1234", "1234"), (" 12-34 ", "1234"), ("0001", "0001")])
def test_the_second_factor_is_four_digits(raw, expected):
    assert screening.screen_factor(raw) == expected


@pytest.mark.parametrize("raw", ["123", "12345", "12a4", "", None, 1234, "١٢٣٤", "1" * 30])
def test_anything_else_is_no_second_factor(raw):
    assert screening.screen_factor(raw) is None


def test_the_factor_matches_the_last_four_digits_of_any_candidate():
    assert screening.factor_matches("0042", ["10000000042", "+6281234567890"])
    assert screening.factor_matches("7890", ["10000000042", "+6281234567890"])
    assert not screening.factor_matches("4567", ["10000000042", "+6281234567890"])
    assert not screening.factor_matches("0000", ["", "12"])
    assert not screening.factor_matches("1234", [])


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        ("", "unknown"),
        ("not an address", "unknown"),
        (None, "unknown"),
    ],
)
def test_the_network_of_an_address(address, network):
    assert screening.network_of(address) == network


def test_the_nik_digest_is_keyed_and_holds_no_nik():
    one = screening.nik_digest(REAL, key=b"a" * 32)
    assert one == screening.nik_digest(REAL, key=b"a" * 32)
    assert one != screening.nik_digest(REAL, key=b"b" * 32)
    assert one != screening.nik_digest("3602014506900002", key=b"a" * 32)
    assert len(one) == 64 and REAL not in one
