"""The WhatsApp webhook parser takes what Meta documents and skips the rest without failing."""

import json

import pytest

from cakupan.providers.base import DELIVERED, FAILED
from cakupan.providers.whatsapp import parse_webhook


def _body(value) -> bytes:
    return json.dumps(
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}
    ).encode()


def test_statuses_and_inbound_texts():
    batch = parse_webhook(
        _body(
            {
                "statuses": [
                    {"id": "wamid.1", "status": "read", "biz_opaque_callback_data": "ref-1"},
                    {
                        "id": "wamid.2",
                        "status": "failed",
                        "errors": [{"code": 131026, "title": "Undeliverable"}],
                    },
                    {"id": "wamid.3", "status": "deleted"},
                ],
                "messages": [
                    {"from": "6281234567001", "id": "wamid.9", "type": "text", "text": {"body": "STOP"}},
                    {"from": "6281234567002", "id": "wamid.8", "type": "button", "button": {"text": "MULAI"}},
                ],
            }
        )
    )
    assert [(u.provider_id, u.state, u.reference, u.error_code) for u in batch.updates] == [
        ("wamid.1", DELIVERED, "ref-1", ""),
        ("wamid.2", FAILED, "", "131026"),
    ]
    assert [(i.sender, i.text) for i in batch.inbound] == [
        ("+6281234567001", "STOP"),
        ("+6281234567002", "MULAI"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"\\xff",
        b"not json",
        b'{"entry": "x"}',
        b'{"entry": [1, "a", null]}',
        b'{"entry": [{"changes": [{"value": {"statuses": ["x"], "messages": [{"text": 5}]}}]}]}',
    ],
)
def test_malformed_documents_are_refused_or_skipped(body):
    try:
        batch = parse_webhook(body)
    except ValueError:
        return
    assert batch.updates == [] and batch.inbound == []
