"""Whatever the phone resends, in whatever order and grouping, each record exists once and the registry
gets each person once (a property over random resend patterns)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.agents.models import FieldRecord
from cakupan.agents.services.settle import records_settle
from cakupan.agents.services.sync import records_sync
from cakupan.agents.tests.conftest import approve_imports, new_record, person
from cakupan.registry.models import Worker

POOL = 6


@pytest.mark.django_db
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.integers(0, POOL - 1), min_size=1, max_size=8), min_size=1, max_size=5))
def test_resends_in_any_pattern_create_each_record_and_person_once(
    people, django_capture_on_commit_callbacks, batches
):
    FieldRecord.objects.all().delete()
    Worker.objects.all().delete()
    records = [new_record(person(name=f"Pekerja {i}")) for i in range(POOL)]
    sent = set()
    for batch in batches:
        with django_capture_on_commit_callbacks(execute=True):
            results = records_sync(user=people["agent"], records=[records[i] for i in batch])
        seen_here = set()
        for index, result in zip(batch, results, strict=True):
            assert result.status == "submitted"
            assert result.replayed == (index in sent or index in seen_here)
            seen_here.add(index)
        sent |= seen_here
    assert FieldRecord.objects.count() == len(sent)
    with django_capture_on_commit_callbacks(execute=True):
        approve_imports(people["regency"])
    records_settle(agent=people["agent"])
    assert Worker.objects.count() == len(sent)
    assert set(Worker.objects.values_list("nik", flat=True)) == {records[i]["values"]["nik"] for i in sent}
