"""Templates are filled strictly: plain module, no database."""

import pytest

from cakupan.messaging.rendering import TemplateError, check_template, placeholders, render, sms_segments

VARIABLES = ["nama_depan", "bulan"]


def test_render_fills_every_declared_variable():
    assert render(
        "Halo {nama_depan}, iuran {bulan}.", VARIABLES, {"nama_depan": "Siti", "bulan": "Mei 2027"}
    ) == ("Halo Siti, iuran Mei 2027.")


@pytest.mark.parametrize(
    ("text", "values", "code"),
    [
        ("Halo {nama}", {"nama_depan": "Siti"}, "template_variable_unknown"),
        ("Halo {nama_depan} {bulan}", {"nama_depan": "Siti"}, "template_variable_missing"),
        ("Halo {nama_depan}", {"nama_depan": "Siti", "kota": "Serang"}, "template_variable_unknown"),
        ("Halo {nama_depan", {"nama_depan": "Siti"}, "template_malformed"),
        ("Halo {nama_depan!r}", {"nama_depan": "Siti"}, "template_malformed"),
        ("Halo {0}", {"nama_depan": "Siti"}, "template_malformed"),
    ],
)
def test_render_refuses_what_it_cannot_fill_exactly(text, values, code):
    with pytest.raises(TemplateError) as caught:
        render(text, VARIABLES, values)
    assert caught.value.code == code


def test_check_names_the_unknown_variables():
    with pytest.raises(TemplateError, match="tanggal, kode"):
        check_template(["{tanggal} {nama_depan}", "{kode}"], VARIABLES)


def test_placeholders_in_order_of_first_use():
    assert placeholders("{b} {a} {b}") == ["b", "a"]


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("ş" * 70, 1),
        ("ş" * 71, 2),
    ],
)
def test_sms_segments_follow_gsm7_and_ucs2(text, segments):
    assert sms_segments(text) == segments
