"""The database mode of `cakupan allocate`: plan for programs stored in the database and submit the plan
for approval. Kept here so the command file only parses arguments."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cakupan.core.errors import DomainError
from cakupan.core.formatting import number, rupiah
from cakupan.funding.models import FundingProgram
from cakupan.funding.services import allocation_plan_create

__all__ = ["actor_for", "plan_command", "plan_result", "write_result"]


def actor_for(username: str | None):
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise DomainError("user_unknown", f"Pengguna '{username}' tidak dikenal.", field="user")
        return user
    # The CLI is a system administrator's tool: the plan is submitted in the first superuser's name.
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise DomainError("user_unknown", "Tidak ada administrator sistem; pakai --user NAMA.", field="user")
    return user


def plan_result(plan) -> dict:
    return {
        "plan": plan.pk,
        "funded": plan.funded,
        "cost": plan.cost,
        "objective": plan.objective,
        "upper_bound": plan.upper_bound,
        "gap_pct": plan.gap_pct,
        "per_program": plan.summary.get("per_program", []),
        "per_region": plan.summary.get("per_region", []),
        "status": plan.status,
    }


def plan_command(
    *, program_ids: list[int | str], as_json: bool = False, username: str | None = None, max_seconds=None
) -> str:
    """Build, save and submit a plan for these program ids; returns the text to print (one JSON object
    with --json). Raises DomainError for unknown programs or nothing to fund."""
    ids = []
    for value in program_ids:
        if not str(value).isdigit():
            raise DomainError("program_unknown", f"ID program '{value}' tidak sah.", field="program")
        ids.append(int(value))
    programs = list(FundingProgram.objects.filter(pk__in=ids).order_by("pk"))
    missing = sorted(set(ids) - {p.pk for p in programs})
    if missing:
        raise DomainError(
            "program_unknown", f"Program tidak dikenal: {', '.join(map(str, missing))}.", field="program"
        )
    plan = allocation_plan_create(programs=programs, actor=actor_for(username), max_seconds=max_seconds)
    result = plan_result(plan)
    if as_json:
        return json.dumps(result, ensure_ascii=False)
    lines = [
        f"Rencana #{plan.pk} diajukan untuk persetujuan: {number(plan.funded)} pekerja, {rupiah(plan.cost)} "
        f"(nilai {plan.objective:,.0f}, batas atas {plan.upper_bound:,.0f}, selisih {plan.gap_pct:.3f}%)."
    ]
    for row in result["per_program"]:
        lines.append(
            f"  program {row['program_id']} {row['name']}: {number(row['funded'])} pekerja, "
            f"{rupiah(row['cost'])}, sisa {rupiah(row['left'])}"
        )
    return "\n".join(lines)


def write_result(command, work, options: dict) -> None:
    """Run a command's work and print its result: one JSON object with --json, else its Bahasa text. A
    DomainError becomes a CommandError (non-zero exit) naming the problem and its code."""
    try:
        result = work(options)
    except DomainError as error:
        raise CommandError(f"{error.message} [{error.code}]") from error
    text = result.pop("text")
    command.stdout.write(json.dumps(result, ensure_ascii=False) if options["json"] else text)
