"""`cakupan allocate solve`: JSON and human output, and every way the instance file can be wrong.

No database: the command reads a file and prints; nothing here is marked django_db, so a query would fail.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

INSTANCE = {
    "programs": [{"id": "P1", "budget": 300}, {"id": "P2", "budget": 100}],
    "candidates": [
        {"id": "a", "weight": 5, "costs": {"P1": 100, "P2": 100}},
        {"id": "b", "weight": 4, "costs": {"P1": 200}},
        {"id": "c", "weight": 3, "costs": {"P1": 100, "P2": 50}},
        {"id": "d", "weight": 1, "costs": {}},
    ],
}


def run(*args) -> str:
    out = StringIO()
    call_command("allocate", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def instance_file(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(INSTANCE), encoding="utf-8")
    return path


def test_json_output_is_the_last_line(instance_file):
    output = run("solve", "--instance", str(instance_file), "--json")
    answer = json.loads(output.strip().splitlines()[-1])
    # a, b and c cannot all go to P1 (400 > 300); the only plan funding all three sends c to P2.
    assert answer["assignments"] == {"a": "P1", "b": "P1", "c": "P2"}
    assert answer["objective"] == 12.0
    assert answer["upper_bound"] == pytest.approx(12.0, rel=1e-8)
    assert answer["upper_bound"] >= answer["objective"]
    assert answer["spent"] == {"P1": 300, "P2": 50}


def test_human_summary_in_bahasa(instance_file):
    output = run("solve", "--instance", str(instance_file))
    assert "3 kandidat didanai dari 2 program" in output
    assert "anggaran terpakai Rp350" in output
    assert "Jumlah bobot 12;" in output
    assert "{" not in output


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"tidak ditemukan"):
        run("solve", "--instance", str(tmp_path / "nope.json"))


def test_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"programs": [', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bukan JSON yang sah \(baris 1"):
        run("solve", "--instance", str(path))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda obj: obj["programs"][0].update(budget=-5), "negative_budget"),
        (lambda obj: obj["candidates"][0]["costs"].update(P7=10), "unknown_program"),
        (lambda obj: obj.pop("candidates"), "malformed_instance"),
    ],
)
def test_invalid_instance_names_the_problem(tmp_path, change, code):
    obj = json.loads(json.dumps(INSTANCE))
    change(obj)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("solve", "--instance", str(path), "--json")
    assert f"[{code}]" in str(raised.value)
    assert str(path) in str(raised.value)


def test_subcommand_is_required():
    with pytest.raises(CommandError):
        run()
