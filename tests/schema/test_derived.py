"""The facts validation reads from generated/facts: committed up to date, the same answers as a
walk of the schemas, ignored when derived from other schemas, and installed with the wheel."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sat_config.schema import derived, facts, files, keyindex
from conftest import REPO

COMMITTED = REPO / derived.COMMITTED


def test_committed_facts_are_up_to_date() -> None:
    assert derived.main(["--check"]) == 0, "generated/facts is stale: run `make generate`"
    for name, build in derived.FILES.items():
        assert (COMMITTED / name).read_text(encoding="utf-8") == derived.text(build())


def test_check_names_the_fixing_command_and_write_fixes(tmp_path: Path, capsys) -> None:
    assert derived.main(["--check", "--output", str(tmp_path)]) == 1
    assert "is missing: run `make generate`" in capsys.readouterr().err
    assert derived.main(["--write", "--output", str(tmp_path)]) == 0
    assert derived.main(["--check", "--output", str(tmp_path)]) == 0
    stale = tmp_path / facts.FILE
    stale.write_text(stale.read_text().replace('"audio_channels": 2', '"audio_channels": 1'))
    assert derived.main(["--check", "--output", str(tmp_path)]) == 1
    assert f"{stale} is stale" in capsys.readouterr().err


def test_the_questions_are_the_ones_the_checks_ask() -> None:
    asked = derived.questions()  # the check modules, imported in a fresh interpreter
    assert ("diffusion_cond", ("model", "diffusion", "type=dit", "config")) in asked
    assert ("autoencoder", ()) in asked
    stored = json.loads((COMMITTED / facts.FILE).read_text())["defaults"]
    assert [(e["schema"], tuple(e["path"])) for e in stored] == asked


def test_stored_defaults_are_the_walked_ones() -> None:
    stored = json.loads((COMMITTED / facts.FILE).read_text())["defaults"]
    assert len(stored) > 40
    for entry in stored:
        question = (entry["schema"], *entry["path"])
        walked = facts.walk_defaults(entry["schema"], tuple(entry["path"]))
        assert entry["defaults"] == walked, question
        assert dict(facts.defaults(*question)) == walked, question
        # same values, same types (0.0 stays a float, 1 an int), same order
        assert list(map(repr, entry["defaults"].items())) == list(map(repr, walked.items()))


def test_stored_key_index_is_the_walked_one() -> None:
    table = files.generated_facts(keyindex.FILE)
    assert table is not None and set(table["keys"]) == set(files.names())
    for name in files.names():
        walked = keyindex.walk(name)
        assert keyindex._generated()[name] == walked, name
        for key, where in walked.items():
            assert keyindex.where_allowed(name, key) == where


def test_a_file_derived_from_other_schemas_is_not_read(monkeypatch) -> None:
    assert files.generated_facts(facts.FILE) is not None
    files.generated_facts.cache_clear()
    monkeypatch.setattr(files, "fingerprint", lambda: "crc32:00000000")
    try:
        assert files.generated_facts(facts.FILE) is None
        assert files.generated_facts(keyindex.FILE) is None
    finally:
        files.generated_facts.cache_clear()


def test_the_fingerprint_reads_every_schema_file() -> None:
    assert files.fingerprint().startswith("crc32:")
    stored = json.loads((COMMITTED / facts.FILE).read_text())["fingerprint"]
    assert stored == files.fingerprint()


def test_a_question_the_file_does_not_answer_is_walked() -> None:
    # asked by no check: answered from the schemas, and a wrong path still fails loudly
    question = ("diffusion_cond_inpaint", ("model", "diffusion", "type=dit", "config"))
    assert question not in facts._generated()
    answer = facts.defaults(question[0], *question[1])
    assert answer["embed_dim"] == 768 and dict(answer) == facts.walk_defaults(*question)
    with pytest.raises(facts.SchemaFactError):
        facts.defaults("lm", "model", "nope")


def test_wheel_carries_the_facts(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for name in derived.FILES:
        assert f"sat_config/_facts/{name}" in names
