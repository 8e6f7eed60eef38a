"""The one authorization table: for each action, which roles may take it and on which objects.

Every view, API route, admin page, template and service asks `can(user, action, obj)`; nothing checks a
role by hand. A row is a predicate built from a few named conditions (`rules` predicates):

* `in_area`: the object's region lies inside the user's area (an object's region comes from
  `REGION_ATTRIBUTES`; a plain region code names itself);
* `not_maker`: the user did not submit the object (maker-checker): this holds for superusers too;
* `officer_of_funder` / `governs_plan_funders`: the user acts for the funder, or for every funder whose
  money an allocation plan commits (plans carry their funders in the approval's payload).

Superusers (administrators) may take every action except deciding their own submissions. Accounts that
are inactive, or staff without an area, may take none (a forgotten area never means province-wide).

`obj=None` asks "may this user take the action anywhere?", which pages use to offer or hide a link.
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cakupan.accounts.models import Role
from cakupan.core.scoping import region_within

# --- actions ---------------------------------------------------------------------------------------------

STAFF_PAGES = "staff.pages"
WORKER_VIEW = "worker.view"
WORKER_REGISTER = "worker.register"
WORKER_UNMASK = "worker.unmask"
IDENTIFIERS_VIEW = "identifiers.view"
MEMBERSHIP_CHANGE = "membership.change"
IMPORT_WORKERS = "import.workers"
IMPORT_ROSTER = "import.roster"
IMPORT_APPROVE = "import.approve"
APPROVAL_SUBMIT = "approval.submit"
PLAN_CREATE = "plan.create"
PLAN_APPROVE = "plan.approve"
BATCH_CREATE = "batch.create"
BATCH_APPROVE = "batch.approve"
BATCH_SEND = "batch.send"
ACK_IMPORT = "ack.import"
PAYMENT_RECORD = "payment.record"
RENEWAL_LIMIT_SET = "renewal_limit.set"
FUNDING_COORDINATE = "funding.coordinate"
FUNDER_RECIPIENTS = "funder.recipients"
AUDIT_VIEW = "audit.view"
OUTBOX_VIEW = "outbox.view"
MESSAGE_RESEND = "message.resend"
CAMPAIGN_CREATE = "campaign.create"
CAMPAIGN_APPROVE = "campaign.approve"
SPONSORSHIP_OWN = "sponsorship.own"
MATCHING_MANAGE = "matching.manage"
SERTAKAN_VIEW = "sertakan.view"
SERTAKAN_REFUND = "sertakan.refund"
SPONSOR_PHONE_CHECK = "sponsor_phone.check"
CLAIM_VIEW = "claim.view"
CLAIM_REPORT = "claim.report"
CLAIM_DOCUMENT = "claim.document"
CLAIM_FILE = "claim.file"
CLAIM_PAUSE = "claim.pause"
CLAIM_DECIDE = "claim.decide"
CALENDAR_CHANGE = "calendar.change"
VISIT_LIST = "visit_list.view"
FIELD_SYNC = "field_record.sync"
AGENT_KPI_VIEW = "agent_kpi.view"
COMMISSION_VIEW = "commission.view"
BACK_CHECK_RECORD = "back_check.record"

C = Role.PROVINCIAL_COORDINATOR
A = Role.PROVINCIAL_ANALYST
R = Role.REGENCY_OFFICER
V = Role.VILLAGE_OPERATOR
F = Role.FIELD_AGENT
FO = Role.FUNDER_OFFICER
B = Role.BPJS_LIAISON
AU = Role.AUDITOR
SP = Role.SPONSOR

# Where an object's region code is read from, by "app_label.model_name".
REGION_ATTRIBUTES = {
    "approvals.approval": "region_code",
    "registry.workerimport": "area_id",
    "registry.worker": "desa_id",
    "registry.membership": "worker.desa_id",
    "funding.funder": "area_id",
    "funding.allocationplan": "region_code",
    "funding.enrolmentbatch": "plan.region_code",
    "funding.invoice": "funder.area_id",
    "funding.fundingprogram": "funder.area_id",
    "regions.region": "code",
    "messaging.message": "region_code",
    "messaging.campaign": "region_code",
    "claims.claimcase": "region_code",
    "sponsors.sponsorship": "region_code",
}
# Who submitted an object, for maker-checker.
MAKER_ATTRIBUTES = {
    "approvals.approval": "submitted_by_id",
    "registry.workerimport": "submitted_by_id",
    "funding.allocationplan": "created_by_id",
    "funding.enrolmentbatch": "created_by_id",
    "funding.fundingprogram": "created_by_id",
    "messaging.campaign": "created_by_id",
}


def _label(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _read(obj, dotted: str):
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


def region_of(obj) -> str | None:
    if obj is None or isinstance(obj, str):
        return obj
    try:
        attribute = REGION_ATTRIBUTES[_label(obj)]
    except (AttributeError, KeyError) as error:
        raise ImproperlyConfigured(f"No region is known for {obj!r}; add it to REGION_ATTRIBUTES.") from error
    return _read(obj, attribute)


def maker_of(obj) -> int | None:
    attribute = MAKER_ATTRIBUTES.get(_label(obj)) if obj is not None and not isinstance(obj, str) else None
    return getattr(obj, attribute) if attribute else None


def user_funder_ids(user) -> frozenset[int]:
    """The funders a user acts for (FunderOfficer rows), read once per user object."""
    cached = getattr(user, "_authz_funder_ids", None)
    if cached is None:
        cached = frozenset(user.funders.values_list("pk", flat=True)) if user.pk else frozenset()
        user._authz_funder_ids = cached
    return cached


# --- conditions ------------------------------------------------------------------------------------------


@rules.predicate
def is_active_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


@rules.predicate
def has_area(user) -> bool:
    return user.area_id is not None


@rules.predicate
def in_area(user, obj) -> bool:
    region = region_of(obj)
    if region is None:
        return obj is None
    return user.area_id is not None and region_within(region, user.area_id)


@rules.predicate
def not_maker(user, obj) -> bool:
    return maker_of(obj) != user.pk


@rules.predicate
def officer_of_funder(user, funder) -> bool:
    """The funder is one the user acts for; with no funder named, the user acts for some funder."""
    if funder is None:
        return bool(user_funder_ids(user))
    return funder.pk in user_funder_ids(user)


def _plan_funders(approval) -> list[dict]:
    return list((approval.payload or {}).get("funders") or [])


def _governs_funder(user, funder: dict) -> bool:
    """Government money is decided by its government: the province's APBD by the provincial coordinator,
    a kab/kota APBD by that kab/kota's officer; every other funder by its own officers."""
    if funder.get("id") in user_funder_ids(user):
        return True
    area = user.area_id
    if area is None:
        return False
    if user.role == C:
        return funder.get("kind") == "apbd_province" and region_within(funder.get("area", ""), area)
    if user.role == R:
        return funder.get("kind") == "apbd_regency" and region_within(funder.get("area", ""), area)
    return False


@rules.predicate
def governs_plan_funders(user, approval) -> bool:
    """The user may commit the money of every funder in the plan (an approval of an allocation plan)."""
    if approval is None:
        return user.role in (C, R) or bool(user_funder_ids(user))
    funders = _plan_funders(approval)
    return bool(funders) and all(_governs_funder(user, funder) for funder in funders)


@rules.predicate
def may_create_for_funder(user, funder) -> bool:
    """Plans are proposed by the funder's officers or by the area's coordinators; they are only proposals:
    `governs_plan_funders` decides whose approval commits the money."""
    if funder is None:
        return True
    if funder.pk in user_funder_ids(user):
        return True
    return user.role in (C, R) and user.area_id is not None and region_within(funder.area_id, user.area_id)


@rules.predicate
def acts_for_plan(user, plan) -> bool:
    """Turning an approved plan into a batch: a coordinator of its area, or an officer of one of the
    funders whose money it commits (with no plan named: a user who could for some plan)."""
    if plan is None:
        return user.role in (C, R) or bool(user_funder_ids(user))
    if user.role in (C, R):
        return user.area_id is not None and region_within(plan.region_code, user.area_id)
    funder_ids = set(plan.programs.values_list("funder_id", flat=True))
    return bool(funder_ids & user_funder_ids(user))


@rules.predicate
def pays_for_invoice(user, invoice) -> bool:
    """Recording a payment: the treasurer side of the invoice's funder (its officers; the provincial
    coordinator for APBD provinsi, a kab/kota officer for its APBD)."""
    if invoice is None:
        return user.role in (C, R) or bool(user_funder_ids(user))
    funder = invoice.funder
    return _governs_funder(user, {"id": funder.pk, "kind": funder.kind, "area": funder.area_id})


@rules.predicate
def governs_program_funder(user, program) -> bool:
    """A standing approval of a program's renewals commits its funder's money like a plan approval: only
    whoever may approve plans from that funder may record one."""
    if program is None:
        return user.role in (C, R) or bool(user_funder_ids(user))
    funder = program.funder
    return _governs_funder(user, {"id": funder.pk, "kind": funder.kind, "area": funder.area_id})


@rules.predicate
def owns_sponsorship(user, sponsorship) -> bool:
    """A sponsor's own sponsorships (with none named: any sponsor may start one)."""
    return sponsorship is None or sponsorship.sponsor_id == user.pk


@rules.predicate
def acts_for_sertakan(user) -> bool:
    """The officers of the SERTAKAN funder (kind sponsor), who pay BPJS TK from what sponsors paid."""
    # The one SERTAKAN funder by name (settings.SERTAKAN), not any funder of kind sponsor: its officers move
    # the sponsors' money (refunds).
    return (
        bool(user_funder_ids(user))
        and user.funders.filter(kind="sponsor", name=settings.SERTAKAN["funder_name"]).exists()
    )


@rules.predicate
def is_agent_self(user, agent) -> bool:
    """An agent's own figures (with no agent named: the agent's own page)."""
    return agent is None or getattr(agent, "pk", agent) == user.pk


always = rules.always_allow

# --- the table -------------------------------------------------------------------------------------------

STAFF_READERS = (C, A, R, V, F, FO, B, AU)
CHECKERS = (C, R)

TABLE: dict[str, dict[str, rules.Predicate]] = {
    # The staff work area (imports, funding, the staff API): not for sponsors and the public.
    STAFF_PAGES: dict.fromkeys(STAFF_READERS, has_area),
    WORKER_VIEW: dict.fromkeys(STAFF_READERS, in_area),
    # Full NIK, phone, birth date and KPJ: for the roles that register, verify and match people every day.
    IDENTIFIERS_VIEW: dict.fromkeys((V, F, B), in_area),
    # Officers who see identifiers masked may open one worker's, audited and limited per day.
    WORKER_UNMASK: dict.fromkeys(CHECKERS, in_area),
    WORKER_REGISTER: dict.fromkeys((V, F), in_area),
    MEMBERSHIP_CHANGE: {B: in_area},
    IMPORT_WORKERS: dict.fromkeys((V, F), has_area),
    IMPORT_ROSTER: {B: has_area},
    IMPORT_APPROVE: dict.fromkeys(CHECKERS, in_area & not_maker),
    APPROVAL_SUBMIT: dict.fromkeys((C, R, V, F, FO, B), in_area),
    PLAN_CREATE: dict.fromkeys((C, R, FO), may_create_for_funder),
    PLAN_APPROVE: dict.fromkeys((C, R, FO), not_maker & governs_plan_funders),
    BATCH_CREATE: dict.fromkeys((C, R, FO), acts_for_plan),
    BATCH_APPROVE: dict.fromkeys((C, B), in_area & not_maker),
    # Downloading a checked batch is what "sent to BPJS TK" means; its answer comes back the same way.
    BATCH_SEND: {B: in_area},
    ACK_IMPORT: {B: in_area},
    PAYMENT_RECORD: dict.fromkeys((C, R, FO), pays_for_invoice),
    RENEWAL_LIMIT_SET: dict.fromkeys((C, R, FO), not_maker & governs_program_funder),
    FUNDING_COORDINATE: dict.fromkeys((C, A, R, AU), has_area),
    FUNDER_RECIPIENTS: {
        **dict.fromkeys((C, A, R, AU, V), in_area),
        FO: officer_of_funder,
    },
    AUDIT_VIEW: dict.fromkeys((C, AU), has_area),
    # The outbox: what was sent to whom, masked; those who run campaigns and reminders and who audit them.
    OUTBOX_VIEW: dict.fromkeys((C, A, R, AU), has_area),
    MESSAGE_RESEND: dict.fromkeys(CHECKERS, in_area),
    # Literacy campaigns: planned by the labour offices for their area; a large one needs another's approval.
    CAMPAIGN_CREATE: dict.fromkeys(CHECKERS, in_area),
    CAMPAIGN_APPROVE: dict.fromkeys(CHECKERS, in_area & not_maker),
    # SERTAKAN: a sponsor acts on their own sponsorships only; a company's officers set its matching and
    # take public gifts into its programs; the money trail (orders, notifications, refunds) is for the
    # provincial officers, auditors and the SERTAKAN funder's own officers.
    SPONSORSHIP_OWN: {SP: owns_sponsorship},
    MATCHING_MANAGE: {FO: governs_program_funder},
    SERTAKAN_VIEW: {**dict.fromkeys((C, A, AU), has_area), FO: acts_for_sertakan},
    # Giving money back (an order listed for refund) moves the SERTAKAN funder's money: its own officers.
    SERTAKAN_REFUND: {FO: acts_for_sertakan},
    # A number a sponsor typed for a person the registry has no phone for is confirmed (or refused) by the
    # operator of her desa before she is asked to agree: the role that knows the village and sees phones in
    # full. Officers who see phones masked could not tell a number is hers.
    SPONSOR_PHONE_CHECK: {V: in_area},
    # Claims: reported and followed by those who meet the families (village operators, field agents) and by
    # BPJS TK's liaison; the liaison records BPJS TK's decisions. Pausing for the heirs' documents stops the
    # service clock, so only the operator and the liaison may. The labour offices and auditors read.
    CLAIM_VIEW: dict.fromkeys((C, A, R, V, F, B, AU), in_area),
    CLAIM_REPORT: dict.fromkeys((V, F, B), in_area),
    CLAIM_DOCUMENT: dict.fromkeys((V, F, B), in_area),
    # The scans (e-KTP, family card, death certificate) are identifiers in full: only for the roles that
    # see identifiers, never for those who see them masked on the case page.
    CLAIM_FILE: dict.fromkeys((V, F, B), in_area),
    CLAIM_PAUSE: dict.fromkeys((V, B), in_area),
    CLAIM_DECIDE: {B: in_area},
    # A later decree moving a holiday or cuti bersama is recorded province-wide by the coordinator.
    CALENDAR_CHANGE: {C: has_area},
    # Field work: who to visit, and the phones' records (a new person or a change goes through the
    # registry's import and approval like any hand entry; the desa must lie in the user's area).
    VISIT_LIST: dict.fromkeys((V, F), has_area & in_area),
    FIELD_SYNC: dict.fromkeys((V, F), has_area & in_area),
    # Agents are judged by cover that lasts: their supervisors (the labour offices) rank them; an agent
    # sees her own figures and commission statements, nobody else's.
    AGENT_KPI_VIEW: {**dict.fromkeys((C, A, R, AU), has_area), F: has_area & is_agent_self},
    COMMISSION_VIEW: {**dict.fromkeys((C, A, R, AU), has_area), F: has_area & is_agent_self},
    # A back-check answered by a phone call instead of SMS is recorded by the agent's supervisor.
    BACK_CHECK_RECORD: dict.fromkeys(CHECKERS, in_area),
}

# What superusers must satisfy beyond being superusers: nobody checks their own work.
SUPERUSER_CONDITIONS: dict[str, rules.Predicate] = {
    IMPORT_APPROVE: not_maker,
    PLAN_APPROVE: not_maker,
    BATCH_APPROVE: not_maker,
    RENEWAL_LIMIT_SET: not_maker,
    CAMPAIGN_APPROVE: not_maker,
}

AUTHORIZATION = rules.RuleSet()


def _role_rule(rows: dict[str, rules.Predicate]) -> rules.Predicate:
    @rules.predicate
    def by_role(user, obj) -> bool:
        row = rows.get(getattr(user, "role", ""))
        return row is not None and row.test(user, obj)

    return by_role


def _build() -> None:
    for action, rows in TABLE.items():
        unknown = set(rows) - set(Role.values)
        if unknown:
            raise ImproperlyConfigured(f"Unknown roles in the authorization table for {action}: {unknown}")
        superuser = rules.is_superuser & SUPERUSER_CONDITIONS.get(action, always)
        by_role = ~rules.is_superuser & _role_rule(rows)
        AUTHORIZATION.add_rule(action, is_active_user & (superuser | by_role))


_build()


def can(user, action: str, obj=None) -> bool:
    """May `user` take `action` on `obj` (or anywhere, with no object)? Unknown actions are an error, so a
    typo never silently refuses or allows."""
    if action not in AUTHORIZATION:
        raise ImproperlyConfigured(f"Unknown action {action!r}; add it to the authorization table.")
    return AUTHORIZATION.test_rule(action, user, obj)


def roles_allowed(action: str) -> frozenset[str]:
    """The roles that have a row for the action (whatever the object): for tests and documentation."""
    return frozenset(TABLE[action])


def actions() -> Iterable[str]:
    return TABLE.keys()


def sees_identifiers(user) -> bool:
    """Full NIK, phone, birth date and KPJ, or their masked forms (core.masking)."""
    return can(user, IDENTIFIERS_VIEW)


def require_action(action: str):
    """A view decorator: the signed-in user must be allowed the action (anywhere), or the answer is 403."""
    import functools

    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not can(request.user, action):
                user = request.user
                if getattr(user, "role", "") and user.area_id is None and not user.is_superuser:
                    raise PermissionDenied(
                        "Akun Anda tidak memiliki wilayah kerja; minta administrator menetapkannya."
                    )
                raise PermissionDenied("Halaman ini bukan untuk peran Anda.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def api_require_action(action: str):
    """The same for API handlers: a DomainError that the API answers with 403 and a stable code."""
    import functools

    from cakupan.core.errors import DomainError

    def decorator(handler):
        @functools.wraps(handler)
        def wrapped(request, *args, **kwargs):
            if not can(request.user, action):
                raise DomainError("role_not_allowed", "Peran Anda tidak dapat memakai layanan ini.")
            return handler(request, *args, **kwargs)

        return wrapped

    return decorator
