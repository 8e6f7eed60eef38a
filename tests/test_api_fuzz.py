"""The JSON API fuzzed from its own OpenAPI schema (schemathesis): every operation, with valid and invalid
inputs, as a provincial coordinator and as a kab/kota officer (bearer tokens). No answer may be a server
error, every status must be documented and every body must match its schema (numbers as JSON numbers).

Bounded: a few dozen examples per operation, derandomized, no deadline, so it runs in the normal suite in
the same time every run. The schema is the one the app serves at /api/v1/openapi.json, and the requests go
to the WSGI application in-process, inside the test's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cakupan.accounts.models import Role, User
from cakupan.approvals.models import Approval, ApprovalKind
from cakupan.approvals.services import approval_approve
from cakupan.coverage.services import coverage_refresh
from cakupan.funding import services as funding
from cakupan.funding.models import FunderKind
from cakupan.registry.models import Worker
from cakupan.registry.services import population_generate
from cakupan.workspace.services import token_create

TODAY = dt.date(2026, 12, 3)
MONTH = dt.date(2026, 11, 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Per operation and generation mode (valid, then invalid inputs), each example sent with both tokens.
MAX_EXAMPLES = 25


@pytest.fixture
def fuzz_world(db, monkeypatch, settings, tmp_path):
    """A small Banten (5.760 workers, November 2026's coverage), a funder with an approved plan, and the
    two callers' tokens. Today is 3 December 2026 whatever the machine's clock says."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return real(value, timezone) if value is not None else TODAY

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    settings.VAR_DIR = tmp_path / "var"
    population_generate(scale=0.001, seed=7, as_of=MONTH)
    coverage_refresh(month=MONTH)
    admin = User.objects.create_superuser(username="admin", password="x")
    provincial = User.objects.create_user(
        username="provinsi", password="x", role=Role.PROVINCIAL_COORDINATOR, area_id="36"
    )
    regency = User.objects.create_user(
        username="lebak", password="x", role=Role.REGENCY_OFFICER, area_id="36.02"
    )
    checker = User.objects.create_user(
        username="bendahara", password="x", role=Role.FUNDER_OFFICER, area_id="36"
    )
    funder = funding.funder_create(name="Pemprov Banten", kind=FunderKind.APBD_PROVINCE, area_code="36")
    funding.funder_officer_add(funder=funder, user=checker, actor=admin)
    program = funding.program_create(
        funder=funder, actor=provincial, name="Program uji", budget=2_000_000, fiscal_year=2026,
        start_month=dt.date(2026, 12, 1), months=12,
    )  # fmt: skip
    plan = funding.allocation_plan_create(programs=[program], actor=provincial)
    approval_approve(
        approval=Approval.objects.get(kind=ApprovalKind.ALLOCATION_PLAN, subject_id=str(plan.pk)),
        approver=checker,
    )
    return {
        "tokens": [token_create(user=provincial)[1], token_create(user=regency)[1]],
        # What a path parameter may point at besides the random numbers: things that exist.
        "ids": {
            "funder_id": [funder.pk],
            "plan_id": [plan.pk],
            "worker_id": list(
                Worker.objects.filter(desa__code__startswith="36.02.")
                .order_by("pk")
                .values_list("pk", flat=True)[:2]
            )
            + list(
                Worker.objects.exclude(desa__code__startswith="36.02.")
                .order_by("pk")
                .values_list("pk", flat=True)[:1]
            ),
        },
        "regions": ["36", "36.02", "36.02.01", "36.71", "36.02.01.2002"],
        "months": ["2026-11", "2026-12", "2027-01"],
        "statuses": {},
    }


@pytest.fixture
def api_schema(fuzz_world):
    """The served schema, its requests sent to the WSGI application in this thread. As Django's test client
    does, the handler does not close the connection between requests: it holds the test's transaction."""
    # Django's test client connects the signals again when it is done: it goes first.
    loaded = schemathesis.openapi.from_dict(Client().get("/api/v1/openapi.json").json())
    loaded.app = WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation, mode: GenerationMode, world: dict) -> None:
    """One operation, one generation mode: bounded, derandomized, no deadline, no shrinking (a failure is
    reported with the request that caused it, as a curl command)."""
    strategy = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        # The schema's own examples (the rules and claims routes have them) among the generated inputs.
        strategy = st.one_of(strategy, *operation.get_strategies_from_examples())

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def run(case, data):
        # Half the time, point path, region and month parameters at things that exist: past 400 and 404.
        for name, choices in world["ids"].items():
            if case.path_parameters and name in case.path_parameters and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(choices))
        if mode is GenerationMode.POSITIVE and isinstance(case.query, dict):
            for name, choices in (("region", world["regions"]), ("month", world["months"])):
                if name in case.query and data.draw(st.booleans()):
                    case.query[name] = data.draw(st.sampled_from(choices))
        for token in world["tokens"]:
            # A savepoint per request: on PostgreSQL a failed statement would otherwise abort the test's
            # transaction and turn every later request into an error too, hiding the first one.
            with transaction.atomic():
                response = case.call(headers={"Authorization": f"Bearer {token}"})
            world["statuses"].setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)

    run()


def test_api_conforms_to_its_schema(api_schema, fuzz_world, subtests):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):
                _fuzz(operation, mode, fuzz_world)
    # The fuzzing reached past the refusals: every operation answered 2xx at least once, but the payment
    # provider's notification, which only a signed body passes.
    answered = {
        label for label, statuses in fuzz_world["statuses"].items() if any(200 <= s < 300 for s in statuses)
    }
    assert answered == {operation.label for operation in operations} - {
        "POST /api/v1/sertakan/midtrans/notifikasi"
    }
