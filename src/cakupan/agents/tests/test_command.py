import io
import json

from django.core.management import call_command

from cakupan.agents.models import FieldRecord, RecordStatus
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import approve_imports, new_record


def test_settle_command_settles_finished_imports_once(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        records_sync(user=people["agent"], records=[new_record(), new_record()])
    with django_capture_on_commit_callbacks(execute=True):
        approve_imports(people["regency"])
    out = io.StringIO()
    call_command("agents", "selesaikan", stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["registered"] == 2
    assert set(answer["back_checks"]) >= {"passed", "failed"}
    assert FieldRecord.objects.filter(status=RecordStatus.REGISTERED).count() == 2
    again = io.StringIO()
    call_command("agents", "selesaikan", stdout=again)
    assert json.loads(again.getvalue())["registered"] == 0
