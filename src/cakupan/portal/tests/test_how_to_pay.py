"""The page a reminder links to: this month's price and due dates from the rules engine, readable without
JavaScript and without signing in."""

import datetime as dt

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "price", "due"),
    [
        (dt.date(2027, 1, 10), "Rp16.800 sebulan", "15 Januari 2027"),
        (dt.date(2026, 11, 3), "Rp8.400 sebulan", "16 November 2026"),
    ],
)
def test_the_price_and_due_date_are_the_rules_engines(client, monkeypatch, today, price, due):
    monkeypatch.setattr("cakupan.portal.views.pages.today_jakarta", lambda: today)
    page = client.get("/cara-bayar/")
    text = page.content.decode()
    assert page.status_code == 200
    assert price in text and f'data-testid="due">{due}' in text
    assert "Indomaret" in text and "santunan kematian Rp42.000.000" in text
    assert "<script" not in text
