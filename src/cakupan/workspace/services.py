"""Writes of the staff workspace that the accounts app cannot make itself because they are audited (the
audit trail sits above accounts): the life of API tokens."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets

import polars as pl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cakupan.accounts import authorization as authz
from cakupan.accounts.models import ApiToken, User
from cakupan.accounts.services import TOKEN_PREFIX, token_digest
from cakupan.audit.models import AuditAction
from cakupan.audit.services import audit_record
from cakupan.core import backup
from cakupan.core.errors import DomainError
from cakupan.regions.models import Region, RegionLevel
from cakupan.registry import intake
from cakupan.registry.importing import import_submit
from cakupan.registry.intake.columns import WORKER_COLUMNS
from cakupan.registry.models import ImportKind, ImportStatus, OnDuplicate, Worker, WorkerImport
from cakupan.registry.selectors import worker_import_values


@transaction.atomic
def token_create(*, user: User, days: int = 90, actor=None, actor_username: str = "") -> tuple[ApiToken, str]:
    """Create a bearer token; returns the row and the secret value, which is never stored. Audited (the
    prefix and the expiry, never the value); `actor_username` names a non-user actor (the CLI's
    operating-system account)."""
    if not user.is_active:
        raise DomainError("user_inactive", f"Pengguna {user.username} tidak aktif.", field="username")
    if not 1 <= days <= 366:
        raise DomainError("token_days_invalid", "Masa berlaku token harus 1–366 hari.", field="days")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        prefix=value[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8],
        digest=token_digest(value),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        action=AuditAction.TOKEN_CREATE,
        actor=actor,
        actor_username=actor_username,
        obj=token,
        object_repr=f"Token {token.prefix}… untuk {user}",
        region_code=user.area_id or "",
        metadata={
            "user": user.get_username(),
            "prefix": token.prefix,
            "expires_at": token.expires_at,
            "days": days,
        },
    )
    return token, value


@transaction.atomic
def token_revoke(
    *, value: str | None = None, user: User | None = None, actor=None, actor_username: str = ""
) -> int:
    """Revoke one token by its value, or every live token of a user; returns how many were revoked. Each
    revoked token gets an audit event."""
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if value is not None:
        tokens = tokens.filter(digest=token_digest(value))
    elif user is not None:
        tokens = tokens.filter(user=user)
    else:
        raise DomainError("token_revoke_target_missing", "Sebutkan token atau nama pengguna yang dicabut.")
    revoked = list(tokens.select_related("user").select_for_update().order_by("pk"))
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[token.pk for token in revoked]).update(revoked_at=now)
    for token in revoked:
        audit_record(
            action=AuditAction.TOKEN_REVOKE,
            actor=actor,
            actor_username=actor_username,
            obj=token,
            object_repr=f"Token {token.prefix}… untuk {token.user}",
            region_code=token.user.area_id or "",
            changes={"revoked_at": [None, now]},
            metadata={"user": token.user.get_username(), "prefix": token.prefix},
        )
    return len(revoked)


# --- workers added or changed by hand: a one-row import ------------------------------------------------

HAND_COLUMNS = WORKER_COLUMNS


class HandEntryProblems(DomainError):
    """Every problem of a hand-filled row, by form field (the import's own columns); the code is the
    first problem's."""

    def __init__(self, *, errors: dict[str, list[str]], codes: tuple[str, ...]):
        super().__init__(codes[0], "Periksa isian yang ditandai.", field=next(iter(errors)))
        self.errors = errors
        self.codes = codes


def _row_csv(values: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HAND_COLUMNS)
    writer.writerow([values.get(column, "") or "" for column in HAND_COLUMNS])
    return out.getvalue().encode("utf-8")


def hand_entry_check(*, user, values: dict[str, str], worker: Worker | None = None) -> list[str]:
    """The import's validation of one row, run at once so the form can name each problem; returns the
    warnings (a birth date or sex that contradicts the NIK). Raises HandEntryProblems on errors."""
    frame = pl.DataFrame(
        [{"row": 2, **{column: (values.get(column) or None) for column in HAND_COLUMNS}}],
        schema={"row": pl.Int64, **dict.fromkeys(HAND_COLUMNS, pl.String)},
    )
    villages = frozenset(Region.objects.filter(level=RegionLevel.VILLAGE).values_list("code", flat=True))
    checked = intake.validate_workers(frame, today=timezone.localdate(), villages=villages)
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    warnings: list[str] = []
    for issue in checked.issues.iter_rows(named=True):
        if issue["severity"] == "error":
            errors.setdefault(issue["field"] or "nik", []).append(issue["message"])
            codes.append(issue["code"])
        else:
            warnings.append(issue["message"])
    if not errors and checked.rows.height == 1:
        row = checked.rows.row(0, named=True)
        if not authz.can(user, authz.WORKER_REGISTER, row["desa_id"]):
            errors["kode_desa"] = [f"Desa/kelurahan {row['desa_id']} berada di luar wilayah kerja Anda."]
            codes.append("desa_outside_area")
        elif worker is None:
            _check_nik_free(user, row["nik"], errors, codes)
        elif row["nik"] != worker.nik:
            errors["nik"] = ["NIK tidak dapat diubah; daftarkan orang lain sebagai pekerja baru."]
            codes.append("nik_immutable")
    if errors:
        raise HandEntryProblems(errors=errors, codes=tuple(codes))
    return warnings


def _check_nik_free(user, nik: str, errors: dict, codes: list) -> None:
    existing = Worker.objects.filter(nik=nik).only("id", "desa_id").first()
    if existing is None:
        return
    if Worker.objects.for_user(user).filter(pk=existing.pk).exists():
        errors["nik"] = [
            f"NIK ini sudah terdaftar di wilayah Anda (pekerja #{existing.pk}); ubah datanya di sana."
        ]
        codes.append("nik_registered")
    else:
        # Says neither where nor whose, like the import's report.
        errors["nik"] = [
            "NIK ini tidak dapat didaftarkan dari wilayah kerja Anda. Bila orang ini pindah ke wilayah Anda, "
            "minta koordinator provinsi memindahkan datanya."
        ]
        codes.append("nik_not_available")


def worker_submit_by_hand(
    *, user, values: dict[str, str], worker: Worker | None = None, request=None
) -> WorkerImport:
    """Add (worker None) or change a worker as a one-row import: the same checks, the same background
    check against the registry (duplicates, likely duplicates) and the same approval by a kab/kota
    officer. The same row submitted again while the first is still open is refused."""
    if not authz.can(user, authz.WORKER_REGISTER):
        raise DomainError(
            "worker_register_not_allowed", "Peran Anda tidak dapat mendaftarkan atau mengubah pekerja."
        )
    hand_entry_check(user=user, values=values, worker=worker)
    content = _row_csv(values)
    digest = hashlib.sha256(content).hexdigest()
    open_one = WorkerImport.objects.filter(
        kind=ImportKind.WORKERS, file_sha256=digest, status__in=OPEN_STATUSES
    ).first()
    if open_one is not None:
        raise DomainError(
            "submission_pending",
            f"Data yang sama sudah diajukan sebagai impor #{open_one.pk} dan sedang diproses.",
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"{'ubah' if worker else 'tambah'}-pekerja-{stamp}.csv"
    return import_submit(
        user=user,
        upload=SimpleUploadedFile(name, content, content_type="text/csv"),
        kind=ImportKind.WORKERS,
        on_duplicate=OnDuplicate.UPDATE if worker else OnDuplicate.KEEP,
        request=request,
    )


OPEN_STATUSES = (ImportStatus.CHECKING, ImportStatus.PENDING_APPROVAL, ImportStatus.APPLYING)


def worker_form_values(worker: Worker) -> dict[str, str]:
    """A worker as the import's columns, to prefill the edit form."""
    return worker_import_values(worker)


# --- backups of the whole database (cakupan backup / cakupan restore) ------------------------------------


def database_backup(*, output=None, actor_username: str = "") -> backup.Backup:
    """Write a backup and its manifest (cakupan.core.backup); audited as an export of everything, with the
    file's name, size and SHA-256."""
    made = backup.backup_create(output=output)
    audit_record(
        action=AuditAction.EXPORT,
        actor_username=actor_username,
        object_type="database.backup",
        object_id=made.sha256[:16],
        object_repr=f"Cadangan basis data {made.path.name}",
        metadata=made.summary(),
    )
    return made


def database_restore(*, path, confirmed: bool = False, actor_username: str = "") -> backup.Restore:
    """Replace the database's content with a backup's (cakupan.core.backup); the restored trail then
    records the restore itself, after the rows were counted against the manifest."""
    restored = backup.backup_restore(path=path, confirmed=confirmed)
    audit_record(
        action=AuditAction.IMPORT,
        actor_username=actor_username,
        object_type="database.backup",
        object_id=restored.sha256[:16],
        object_repr=f"Pemulihan basis data dari {restored.path.name}",
        metadata=restored.summary(),
    )
    return restored
