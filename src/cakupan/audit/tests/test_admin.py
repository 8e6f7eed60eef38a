"""The admin shows the trail and approvals read-only."""

import pytest

from cakupan.accounts.models import Role, User
from cakupan.approvals.services import approval_submit
from cakupan.audit.models import AuditAction, AuditEvent
from cakupan.audit.services import audit_record

pytestmark = pytest.mark.urls("cakupan.audit.tests.urls")


def test_admin_lists_events_but_offers_no_add_change_or_delete(admin_client):
    event = audit_record(action=AuditAction.EXPORT, object_type="coverage.regioncoverage", object_id="5")
    listing = admin_client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200 and "coverage.regioncoverage" in listing.content.decode()
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    # The change page opens read-only; posting to it changes nothing.
    admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"object_id": "6"})
    event.refresh_from_db()
    assert (event.object_id, AuditEvent.objects.filter(pk=event.pk).count()) == ("5", 1)


def test_admin_lists_approvals_read_only(admin_client, db):
    maker = User.objects.create_user(
        username="pembuat", password="x", role=Role.REGENCY_OFFICER, area_id="36.02"
    )
    approval = approval_submit(
        kind="worker_import",
        subject_id="impor-9",
        title="Impor Lebak",
        submitted_by=maker,
        region_code="36.02",
    )
    assert "Impor Lebak" in admin_client.get("/admin/approvals/approval/").content.decode()
    assert admin_client.get("/admin/approvals/approval/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/approvals/approval/{approval.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
