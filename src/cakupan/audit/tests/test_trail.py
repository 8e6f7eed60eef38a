"""The audit trail: explicit events, append-only refusals, auditlog mirroring and sign-in events."""

import datetime as dt
from unittest import mock

import pytest
from auditlog.context import set_actor
from django.db import transaction
from django.test import RequestFactory

from cakupan.accounts.models import Role, User
from cakupan.audit.models import AppendOnlyError, AuditAction, AuditEvent
from cakupan.audit.services import audit_record
from cakupan.core.errors import DomainError
from cakupan.registry.models import Worker
from cakupan.registry.services import worker_register

PASSWORD = "Banten-UCJ-2026"
LEBAK_DESA = "36.02.01.2002"
JAKARTA = dt.timezone(dt.timedelta(hours=7))
pytestmark = pytest.mark.urls("cakupan.audit.tests.urls")


@pytest.fixture
def officer(db):
    return User.objects.create_user(
        username="petugas-lebak", password=PASSWORD, role=Role.REGENCY_OFFICER, area_id="36.02", is_staff=True
    )


def _worker(nik="3602014506900001", name="Siti Aminah"):
    return worker_register(
        nik=nik, name=name, birth_date=dt.date(1990, 6, 5), sex="P", desa_code=LEBAK_DESA, sector="pedagang",
        monthly_income=1_500_000, phone="+6281234567890",
    )  # fmt: skip


def _events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_audit_record_stores_exact_values(officer):
    worker = _worker()
    request = RequestFactory().get("/", REMOTE_ADDR="10.20.30.40")
    request.user = officer
    at = dt.datetime(2026, 11, 23, 14, 5, tzinfo=JAKARTA)
    with mock.patch("django.utils.timezone.now", return_value=at):
        event = audit_record(
            action=AuditAction.UNMASK, obj=worker, request=request, metadata={"field": "nik"},
            changes={"nik": ["3602********0001", "3602014506900001"]},
        )  # fmt: skip
    event.refresh_from_db()
    assert event.when == at
    assert (event.actor, event.actor_username, event.action) == (officer, "petugas-lebak", "unmask")
    assert (event.object_type, event.object_id) == ("registry.worker", str(worker.pk))
    assert event.object_repr == "Siti Aminah (360201**********)"
    # The region comes from the worker's domicile desa through the tracked-model resolver.
    assert event.region_code == LEBAK_DESA
    assert event.changes == {"nik": ["3602********0001", "3602014506900001"]}
    assert (event.ip_address, event.metadata) == ("10.20.30.40", {"field": "nik"})


def test_audit_record_without_object_or_actor(db):
    event = audit_record(action=AuditAction.EXPORT, object_type="coverage.regioncoverage", object_id=7)
    assert (event.actor, event.actor_username, event.object_id, event.region_code) == (None, "", "7", "")
    assert (event.changes, event.metadata, event.ip_address) == ({}, {}, None)


def test_unknown_action_is_refused(db):
    with pytest.raises(DomainError) as caught:
        audit_record(action="teleport")
    assert caught.value.code == "audit_action_unknown"
    assert AuditEvent.objects.count() == 0


def test_malformed_ip_is_kept_as_text_and_does_not_block_the_write(db):
    event = audit_record(action=AuditAction.EXPORT, ip_address="not-an-ip, 1.2.3.4")
    assert event.ip_address is None
    assert event.metadata == {"ip_raw": "not-an-ip, 1.2.3.4"}


def test_event_rolls_back_with_the_callers_transaction(db):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        _worker()
        audit_record(action=AuditAction.IMPORT, object_type="registry.worker", object_id="batch-1")
        raise Abort
    assert Worker.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_append_only_refusals(db):
    event = audit_record(action=AuditAction.EXPORT, object_type="coverage.regioncoverage", object_id="1")
    for attempt in (
        event.save,
        lambda: event.save(update_fields=["object_id"]),
        event.delete,
        lambda: AuditEvent.objects.filter(pk=event.pk).update(object_id="2"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["object_id"]),
    ):
        with pytest.raises(AppendOnlyError) as caught:
            attempt()
        assert caught.value.code == "audit_append_only"
    # A fresh instance with an existing primary key cannot overwrite the row either.
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - any database refusal will do
        AuditEvent(pk=event.pk, action=AuditAction.DELETE).save()
    event.refresh_from_db()
    assert (AuditEvent.objects.count(), event.object_id, event.action) == (1, "1", "export")


def test_deleting_a_user_keeps_their_identity_on_events(officer):
    audit_record(action=AuditAction.EXPORT, actor=officer)
    officer_id = officer.pk
    officer.delete()
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    # The trail is not rewritten: the id and the username stay as they were.
    assert (event.actor_id, event.actor_username) == (officer_id, "petugas-lebak")


def test_model_changes_are_mirrored_from_auditlog_with_region(officer):
    with set_actor(officer, remote_addr="10.0.0.9"):
        worker = _worker()
        worker.name = "Siti Aminah Binti Ahmad"
        worker.save()
        worker_id = worker.pk
        worker.delete()
    created, updated, deleted = _events(object_type="registry.worker")
    assert [created.action, updated.action, deleted.action] == ["create", "update", "delete"]
    for event in (created, updated, deleted):
        assert (event.object_id, event.region_code) == (str(worker_id), LEBAK_DESA)
        assert (event.actor, event.actor_username, event.ip_address) == (officer, "petugas-lebak", "10.0.0.9")
        assert "auditlog_entry_id" in event.metadata
    assert created.changes["nik"] == ["None", "3602014506900001"]
    assert updated.changes == {"name": ["Siti Aminah", "Siti Aminah Binti Ahmad"]}
    assert deleted.changes["name"] == ["Siti Aminah Binti Ahmad", "None"]


def test_user_changes_never_record_the_password(db):
    user = User.objects.create_user(username="baru", password=PASSWORD, role=Role.AUDITOR, area_id="36")
    user.set_password("Kata-Sandi-Baru-2026")
    user.save()
    (created,) = _events(object_type="accounts.user")
    assert created.region_code == "36"
    assert created.changes["username"] == ["None", "baru"]
    assert "password" not in created.changes
    # The password change alone leaves nothing for auditlog to report.
    assert len(_events(object_type="accounts.user")) == 1


def test_login_logout_and_failed_login_are_recorded_with_ip(client, officer):
    client.post(
        "/akun/masuk/", {"username": "petugas-lebak", "password": "salah-sandi"}, REMOTE_ADDR="203.0.113.5"
    )
    response = client.post(
        "/akun/masuk/", {"username": "petugas-lebak", "password": PASSWORD}, REMOTE_ADDR="203.0.113.6"
    )
    assert response.status_code == 302
    client.post("/akun/keluar/", REMOTE_ADDR="203.0.113.7")
    failed, login, logout = _events(action__in=["login", "login_failed", "logout"])
    assert (failed.action, failed.actor, failed.actor_username, failed.ip_address) == (
        "login_failed", None, "petugas-lebak", "203.0.113.5",
    )  # fmt: skip
    assert failed.metadata == {"attempted_username": "petugas-lebak"}
    assert (login.action, login.actor, login.ip_address, login.region_code) == (
        "login", officer, "203.0.113.6", "36.02",
    )  # fmt: skip
    assert (logout.action, logout.actor, logout.ip_address) == ("logout", officer, "203.0.113.7")
    # The last_login stamp written at sign-in is not an "update" event: the login event says it all.
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="accounts.user").exists()
