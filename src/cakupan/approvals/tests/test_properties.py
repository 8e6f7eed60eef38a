"""Property: any sequence of submit/approve/reject/cancel by any of these users succeeds exactly when the
rules say so, leaves each approval in the state the rules predict, and writes one audit event per
successful transition and none for a refused one."""

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from cakupan.accounts.models import Role, User
from cakupan.approvals import handlers
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve, approval_cancel, approval_reject, approval_submit
from cakupan.audit.models import AuditEvent
from cakupan.core.errors import DomainError

# (username, role, area); subject 0 lies in a Lebak desa, subject 1 in a Kota Serang desa.
USERS = [
    ("operator-desa", Role.VILLAGE_OPERATOR, "36.02.01.2002"),
    ("petugas-lebak", Role.REGENCY_OFFICER, "36.02"),
    ("koordinator", Role.PROVINCIAL_COORDINATOR, "36"),
    ("petugas-serang", Role.REGENCY_OFFICER, "36.73"),
    ("analis", Role.PROVINCIAL_ANALYST, "36"),
]
SUBJECT_REGIONS = ["36.02.01.2002", "36.73.01.1001"]
READ_ONLY = {Role.PROVINCIAL_ANALYST}
# Enrolment batches are decided by the coordinator or the BPJS TK liaison of the area (of these users:
# the coordinator only); the others may submit but not decide.
DECIDERS = {Role.PROVINCIAL_COORDINATOR}

steps = st.lists(
    st.tuples(
        st.sampled_from(["submit", "approve", "reject", "cancel"]),
        st.integers(0, len(USERS) - 1),
        st.integers(0, len(SUBJECT_REGIONS) - 1),
        st.booleans(),
    ),
    max_size=14,
)


def _inside(region: str, area: str) -> bool:
    return region == area or region.startswith(f"{area}.")


def _expected_error(op, user_index, subject, latest, with_reason):
    """The first rule a step breaks, in the order the services check them; None when it should succeed."""
    _, role, area = USERS[user_index]
    region = SUBJECT_REGIONS[subject]
    if op == "submit":
        if role in READ_ONLY:
            return "approval_read_only_role"
        if not _inside(region, area):
            return "approval_outside_area"
        if latest and latest["status"] == "pending":
            return "approval_already_pending"
        return None
    if latest["status"] != "pending":
        return "approval_not_pending"
    if op == "cancel":
        return None if latest["submitter"] == user_index else "approval_cancel_not_submitter"
    if latest["submitter"] == user_index:
        return "approval_self_decision"
    if role in READ_ONLY:
        return "approval_read_only_role"
    if not _inside(region, area):
        return "approval_outside_area"
    if role not in DECIDERS:
        return "approval_not_allowed"
    if op == "reject" and not with_reason:
        return "approval_reason_required"
    return None


class ApprovalStateMachineTest(TestCase):
    def setUp(self):
        # The rules of approving, not what a decision does to its subject: the subjects here are made
        # up, so the kinds' handlers (the funding app's batch handler, for one) are set aside meanwhile.
        patcher = mock.patch.dict(handlers._HANDLERS, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    @classmethod
    def setUpTestData(cls):
        cls.users = [
            User.objects.create_user(username=name, password="Banten-UCJ-2026", role=role, area_id=area)
            for name, role, area in USERS
        ]

    @settings(max_examples=150, deadline=None)
    @given(steps)
    def test_sequences_follow_the_rules(self, sequence):
        latest: dict[int, dict] = {}
        expected_status: dict[int, str] = {}
        successes = 0
        for op, user_index, subject, with_reason in sequence:
            current = latest.get(subject)
            if op != "submit" and current is None:
                continue
            user = self.users[user_index]
            expected = _expected_error(op, user_index, subject, current, with_reason)
            try:
                if op == "submit":
                    approval = approval_submit(
                        kind=ApprovalKind.ENROLMENT_BATCH, subject_id=f"batch-{subject}", title="Batch",
                        submitted_by=user, region_code=SUBJECT_REGIONS[subject],
                    )  # fmt: skip
                    latest[subject] = {"pk": approval.pk, "status": "pending", "submitter": user_index}
                else:
                    approval = Approval.objects.get(pk=current["pk"])
                    if op == "approve":
                        approval_approve(approval=approval, approver=user)
                    elif op == "reject":
                        approval_reject(
                            approval=approval, approver=user, reason="Periksa ulang" if with_reason else ""
                        )
                    else:
                        approval_cancel(approval=approval, user=user)
                    current["status"] = {"approve": "approved", "reject": "rejected", "cancel": "cancelled"}[
                        op
                    ]
                error = None
                successes += 1
                expected_status[latest[subject]["pk"]] = latest[subject]["status"]
            except DomainError as refused:
                error = refused.code
            assert error == expected, (op, USERS[user_index][0], subject, error, expected)

        assert dict(Approval.objects.values_list("pk", "status")) == expected_status
        approval_events = AuditEvent.objects.filter(action__startswith="approval_")
        assert approval_events.count() == successes
        assert Approval.objects.filter(status="pending").values("subject_id").distinct().count() == (
            Approval.objects.filter(status="pending").count()
        )
