"""criteria/reading/terms.yaml is validated when loaded: a wrong entry fails naming the file,
the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from criteria import DefinitionError
from criteria.reading.terms import TERMS_FILE, load_lexicon


def lexicon_with(tmp_path: Path, entry: dict) -> Path:
    """The shipped lexicon with `entry` as its only term."""
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    data["terms"] = [entry]
    path = tmp_path / "terms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_lexicon_loads():
    assert load_lexicon(TERMS_FILE).terms


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"fact": "age", "value": "read", "forms": ["age"], "weight": 1},
            "unknown field(s) ['weight']",
        ),
        ({"fact": "no_such_fact", "value": True, "forms": ["x"]}, "unknown fact 'no_such_fact'"),
        (
            {"fact": "prior_treatment", "value": True, "weak": True, "forms": ["treated"]},
            "field 'weak' must be true or false, and true only with value unclear",
        ),
        (
            {"fact": "prior_treatment", "value": "unclear", "weak": "yes", "forms": ["treated"]},
            "field 'weak' must be true or false, and true only with value unclear",
        ),
    ],
)
def test_a_wrong_entry_names_the_file_the_entry_and_the_field(tmp_path, entry, problem):
    with pytest.raises(DefinitionError) as raised:
        load_lexicon(lexicon_with(tmp_path, entry))
    assert raised.value.where.startswith("terms.yaml: terms[0]")
    assert raised.value.problem == problem


def test_a_weak_unclear_word_loads(tmp_path):
    entry = {"fact": "prior_treatment", "value": "unclear", "weak": True, "forms": ["treated"]}
    terms = load_lexicon(lexicon_with(tmp_path, entry)).terms
    (term,) = [t for t in terms if t.fact == "prior_treatment"]
    assert term.meanings[0].weak is True
