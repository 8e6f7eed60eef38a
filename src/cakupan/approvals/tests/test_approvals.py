"""Maker-checker rules, each failure path, handlers in the deciding transaction, and the audit events."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from cakupan.accounts.models import Role, User
from cakupan.approvals import handlers
from cakupan.approvals.handlers import register_approval_handler
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.selectors import approval_list
from cakupan.approvals.services import approval_approve, approval_cancel, approval_reject, approval_submit
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError

PASSWORD = "Banten-UCJ-2026"
JAKARTA = dt.timezone(dt.timedelta(hours=7))
LEBAK_DESA = "36.02.01.2002"


def _user(username, role, area=None, **extra):
    return User.objects.create_user(username=username, password=PASSWORD, role=role, area_id=area, **extra)


@pytest.fixture
def people(db):
    return {
        "maker": _user("operator-desa", Role.VILLAGE_OPERATOR, LEBAK_DESA),
        "checker": _user("petugas-lebak", Role.REGENCY_OFFICER, "36.02"),
        "province": _user("koordinator", Role.PROVINCIAL_COORDINATOR, "36"),
        "serang": _user("petugas-serang", Role.REGENCY_OFFICER, "36.73"),
        "no_area": _user("petugas-tanpa-wilayah", Role.REGENCY_OFFICER, None),
        "analyst": _user("analis", Role.PROVINCIAL_ANALYST, "36"),
        "auditor": _user("auditor", Role.AUDITOR, "36"),
        "sponsor": _user("sponsor", Role.SPONSOR, None),
        "no_role": _user("tanpa-peran", "", "36"),
        "root": User.objects.create_superuser(username="root", password=PASSWORD),
    }


@pytest.fixture
def no_handlers(monkeypatch):
    monkeypatch.setattr(handlers, "_HANDLERS", {})


def _submit(people, subject_id="impor-001", **overrides):
    arguments = {
        "kind": ApprovalKind.WORKER_IMPORT, "subject_id": subject_id,
        "title": "Impor 120 pekerja Cilangkahan", "submitted_by": people["maker"], "region_code": LEBAK_DESA,
        "payload": {"rows": 120, "valid": 118},
    }  # fmt: skip
    arguments.update(overrides)
    return approval_submit(**arguments)


def _code(call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value.code


def _approval_events(approval):
    return list(
        AuditEvent.objects.filter(object_type="approvals.approval", object_id=str(approval.pk))
        .filter(action__startswith="approval_")
        .order_by("id")
        .values_list("action", "actor_username", "changes", "metadata", "region_code")
    )


def test_submit_stores_exact_values_and_audits(people):
    at = dt.datetime(2026, 11, 23, 14, 5, tzinfo=JAKARTA)
    with mock.patch("django.utils.timezone.now", return_value=at):
        approval = _submit(people, subject_id=42)
    approval.refresh_from_db()
    assert (approval.kind, approval.subject_id, approval.status) == ("worker_import", "42", "pending")
    assert (approval.title, approval.payload) == (
        "Impor 120 pekerja Cilangkahan",
        {"rows": 120, "valid": 118},
    )
    assert (approval.submitted_by, approval.submitted_at, approval.region_code) == (
        people["maker"],
        at,
        LEBAK_DESA,
    )
    assert (approval.decided_by, approval.decided_at, approval.reason) == (None, None, "")
    assert _approval_events(approval) == [
        (
            "approval_submit", "operator-desa", {"status": ["", "pending"]},
            {"kind": "worker_import", "subject_id": "42"}, LEBAK_DESA,
        )
    ]  # fmt: skip


def test_approve_by_another_officer_in_the_area(people, no_handlers):
    approval = _submit(people)
    at = dt.datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)
    with mock.patch("django.utils.timezone.now", return_value=at):
        decided = approval_approve(
            approval=approval, approver=people["checker"], reason="  Data sudah dicek. "
        )
    decided.refresh_from_db()
    assert (decided.status, decided.decided_by, decided.decided_at) == ("approved", people["checker"], at)
    assert decided.reason == "Data sudah dicek."
    assert _approval_events(decided)[1] == (
        "approval_approve", "petugas-lebak", {"status": ["pending", "approved"]},
        {"kind": "worker_import", "subject_id": "impor-001", "reason": "Data sudah dicek."}, LEBAK_DESA,
    )  # fmt: skip


@pytest.mark.parametrize("who", ["province", "root"])
def test_province_coordinator_and_superuser_may_decide(people, no_handlers, who):
    approval = approval_reject(approval=_submit(people), approver=people[who], reason="NIK ganda")
    assert (approval.status, approval.decided_by, approval.reason) == ("rejected", people[who], "NIK ganda")
    assert [event[0] for event in _approval_events(approval)] == ["approval_submit", "approval_reject"]


def test_submitter_cannot_decide_own_submission(people):
    # Even a superuser needs a second person.
    own = _submit(people, submitted_by=people["root"], region_code="36")
    assert _code(approval_approve, approval=own, approver=people["root"]) == "approval_self_decision"
    assert (
        _code(approval_reject, approval=own, approver=people["root"], reason="x") == "approval_self_decision"
    )
    own.refresh_from_db()
    assert own.status == "pending"
    assert [event[0] for event in _approval_events(own)] == ["approval_submit"]


def test_only_pending_can_be_decided(people, no_handlers):
    approval = _submit(people)
    approval_approve(approval=approval, approver=people["checker"])
    # `approval` is the caller's stale copy still saying pending: the locked re-read sees the decision.
    assert approval.status == "pending"
    assert _code(approval_approve, approval=approval, approver=people["province"]) == "approval_not_pending"
    assert _code(approval_reject, approval=approval, approver=people["province"], reason="x") == (
        "approval_not_pending"
    )
    assert _code(approval_cancel, approval=approval, user=people["maker"]) == "approval_not_pending"
    rejected = approval_reject(approval=_submit(people, "impor-002"), approver=people["checker"], reason="x")
    assert _code(approval_approve, approval=rejected, approver=people["province"]) == "approval_not_pending"
    assert [event[0] for event in _approval_events(approval)] == ["approval_submit", "approval_approve"]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_rejection_needs_a_reason(people, reason):
    approval = _submit(people)
    assert _code(approval_reject, approval=approval, approver=people["checker"], reason=reason) == (
        "approval_reason_required"
    )
    approval.refresh_from_db()
    assert approval.status == "pending"


@pytest.mark.parametrize("who", ["serang", "no_area"])
def test_decider_outside_the_area_is_refused(people, who):
    approval = _submit(people)
    assert _code(approval_approve, approval=approval, approver=people[who]) == "approval_outside_area"
    assert (
        _code(approval_reject, approval=approval, approver=people[who], reason="x") == "approval_outside_area"
    )


def test_village_operator_cannot_decide_a_regency_wide_submission(people):
    regency_wide = _submit(people, submitted_by=people["checker"], region_code="36.02")
    assert _code(approval_approve, approval=regency_wide, approver=people["maker"]) == "approval_outside_area"


@pytest.mark.parametrize("who", ["analyst", "auditor", "sponsor", "no_role"])
def test_read_only_roles_cannot_decide_or_submit(people, who):
    approval = _submit(people)
    assert _code(approval_approve, approval=approval, approver=people[who]) == "approval_read_only_role"
    assert (
        _code(approval_reject, approval=approval, approver=people[who], reason="x")
        == "approval_read_only_role"
    )
    assert (
        _code(_submit, people=people, subject_id="lain", submitted_by=people[who])
        == "approval_read_only_role"
    )


def test_inactive_user_cannot_decide(people):
    approval = _submit(people)
    people["checker"].is_active = False
    people["checker"].save()
    assert _code(approval_approve, approval=approval, approver=people["checker"]) == "user_inactive"


def test_submission_rules(people):
    _submit(people)
    assert _code(_submit, people=people) == "approval_already_pending"
    assert _code(_submit, people=people, subject_id="b", kind="lottery") == "approval_kind_unknown"
    assert _code(_submit, people=people, subject_id="b", title="  ") == "approval_title_required"
    assert _code(_submit, people=people, subject_id="b", region_code="99.99") == "approval_region_unknown"
    assert _code(_submit, people=people, subject_id="b", region_code="36.73") == "approval_outside_area"
    # The same id under another kind is another subject.
    assert _submit(people, kind=ApprovalKind.ALLOCATION_PLAN).status == "pending"
    assert Approval.objects.count() == 2


def test_resubmission_after_a_decision_or_cancellation(people, no_handlers):
    first = _submit(people)
    approval_reject(approval=first, approver=people["checker"], reason="Kolom desil kosong")
    second = _submit(people)
    cancelled = approval_cancel(approval=second, user=people["maker"])
    assert (cancelled.status, cancelled.decided_by, cancelled.reason) == ("cancelled", people["maker"], "")
    third = _submit(people)
    assert list(Approval.objects.order_by("id").values_list("status", flat=True)) == [
        "rejected", "cancelled", "pending",
    ]  # fmt: skip
    assert [event[0] for event in _approval_events(cancelled)] == ["approval_submit", "approval_cancel"]
    assert third.pk not in (first.pk, second.pk)


def test_only_the_submitter_may_cancel(people):
    approval = _submit(people)
    assert (
        _code(approval_cancel, approval=approval, user=people["checker"]) == "approval_cancel_not_submitter"
    )


def test_handlers_run_inside_the_deciding_transaction(people, no_handlers):
    seen = []
    register_approval_handler(
        ApprovalKind.WORKER_IMPORT,
        on_approved=lambda approval: seen.append(("approved", approval.subject_id, approval.status)),
        on_rejected=lambda approval: seen.append(("rejected", approval.subject_id, approval.status)),
        on_cancelled=lambda approval: seen.append(("cancelled", approval.subject_id, approval.status)),
    )
    approval_approve(approval=_submit(people, "a"), approver=people["checker"])
    approval_reject(approval=_submit(people, "b"), approver=people["checker"], reason="Salah berkas")
    approval_cancel(approval=_submit(people, "c"), user=people["maker"])
    assert seen == [
        ("approved", "a", "approved"),
        ("rejected", "b", "rejected"),
        ("cancelled", "c", "cancelled"),
    ]


def test_a_failing_handler_rolls_the_decision_back(people, no_handlers):
    def refuse(approval):
        raise DomainError("import_rows_changed", "Berkas impor berubah sejak diajukan.")

    register_approval_handler(ApprovalKind.WORKER_IMPORT, on_approved=refuse)
    approval = _submit(people)
    assert _code(approval_approve, approval=approval, approver=people["checker"]) == "import_rows_changed"
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("pending", None)
    assert [event[0] for event in _approval_events(approval)] == ["approval_submit"]


def test_handler_registration_rules(no_handlers):
    def first(approval):
        return None

    def second(approval):
        return None

    register_approval_handler(ApprovalKind.ENROLMENT_BATCH, first)
    register_approval_handler(ApprovalKind.ENROLMENT_BATCH, first)
    with pytest.raises(ImproperlyConfigured):
        register_approval_handler(ApprovalKind.ENROLMENT_BATCH, second)
    with pytest.raises(ImproperlyConfigured):
        register_approval_handler("lottery", first)


def test_approval_changes_are_also_tracked_by_auditlog(people, no_handlers):
    approval = approval_approve(approval=_submit(people), approver=people["checker"])
    tracked = AuditEvent.objects.filter(object_type="approvals.approval", object_id=str(approval.pk))
    assert list(tracked.filter(action="update").values_list("changes__status", flat=True)) == [
        ["pending", "approved"]
    ]


def test_approval_list_is_scoped_by_area(people, no_handlers):
    _submit(people, "lebak")
    _submit(people, "serang", submitted_by=people["serang"], region_code="36.73")

    def subjects(who, **filters):
        return sorted(approval_list(user=people[who], **filters).values_list("subject_id", flat=True))

    assert subjects("checker") == ["lebak"]
    assert subjects("province") == ["lebak", "serang"]
    assert subjects("serang", status="pending", kind="worker_import") == ["serang"]
    assert subjects("sponsor") == []
