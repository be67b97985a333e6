"""Trial files: every protocol line is represented, and malformed files fail loudly."""

import re
from pathlib import Path

import pytest

from criteria import TrialFileError, load_trial, load_trials
from criteria.cli import check_main
from criteria.trials import TRIALS_DIR

PROTOCOLS = TRIALS_DIR / "protocols"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "protocols"


def eligibility_lines(protocol: str) -> list[str]:
    """The bullets (and their continuation lines) between 'Eligibility Criteria' and 'Sites'."""
    body = protocol.split("Eligibility Criteria", 1)[1].split("Sites / Locations", 1)[0]
    lines = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line in ("Inclusion Criteria:", "Exclusion Criteria:"):
            continue
        lines.append(line[2:] if line.startswith("- ") else line)
    return lines


@pytest.mark.parametrize("slug", ["oligomet-rt", "primary-rt"])
def test_every_protocol_line_is_represented(slug):
    trial = load_trials()[slug]
    protocol = (PROTOCOLS / trial.protocol).read_text(encoding="utf-8")
    pieces = {c.text for c in trial.criteria} | {c.heading for c in trial.criteria if c.heading}
    for piece in pieces:
        assert piece in protocol, f"{slug}: not verbatim from the protocol: {piece!r}"
    lines = eligibility_lines(protocol)
    assert len(lines) >= 15
    for line in lines:
        rest = line
        for piece in sorted(pieces, key=len, reverse=True):
            rest = rest.replace(piece, "")
        assert re.fullmatch(r"[\s;,.:]*", rest), f"{slug}: not represented: {rest!r} in {line!r}"


def test_protocol_copies_match_the_shared_ones():
    if not SHARED.is_dir():
        pytest.skip("../shared/protocols is not beside this checkout")
    for path in SHARED.glob("*.txt"):
        assert (PROTOCOLS / path.name).read_text() == path.read_text(), path.name


def test_the_known_protocol_defect_is_flagged():
    trial = load_trials()["oligomet-rt"]
    hgb = next(c for c in trial.criteria if c.id == "inc-hemoglobin")
    assert hgb.text.endswith("≥9g/L")  # verbatim
    assert hgb.correction and "9 g/dL" in hgb.correction
    assert hgb.rule.value == 90  # encoded as intended: 90 g/L


def test_versions_are_content_hashes(tmp_path):
    trials = load_trials()
    copy = tmp_path / "t.yaml"
    copy.write_bytes(trials["primary-rt"].path.read_bytes() + b"\n# edited\n")
    assert load_trial(copy).version != trials["primary-rt"].version
    assert len(trials["primary-rt"].version) == 64


GOOD = """\
slug: demo
title: Demo
criteria:
  - id: inc-age
    type: inclusion
    text: "Aged 18 or more"
    rule: {fact: age, op: ">=", value: 18}
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('op: ">="', 'op: "=>"'), "criterion inc-age: field 'rule.op': unknown operator '=>'"),
        (("fact: age", "fact: agee"), "criterion inc-age: field 'rule.fact': unknown fact 'agee'"),
        (("value: 18", "value: eighteen"), "field 'rule.value': age is numeric"),
        (("type: inclusion", "type: include"), "criterion inc-age: field 'type' must be one of"),
        (('    text: "Aged 18 or more"\n', ""), "criterion inc-age: field 'text'"),
        (("title: Demo\n", ""), "field 'title' is required"),
        (("slug: demo", "slug: Demo Trial"), "field 'slug'"),
        (
            ('    rule: {fact: age, op: ">=", value: 18}\n', ""),
            "needs a 'rule', or an 'enrollment'",
        ),
        (("criteria:", "criterias:"), "unknown field(s) ['criterias']"),
        (("rule: {fact: age", "rule: {any: [], fact: age"), "field 'rule'"),
    ],
)
def test_malformed_files_fail_naming_file_criterion_and_field(tmp_path, change, message):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(TrialFileError) as error:
        load_trial(path)
    assert str(error.value).startswith("demo.yaml")
    assert message in str(error.value)


def test_duplicate_criterion_ids_fail(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(GOOD + GOOD.split("criteria:\n")[1])
    with pytest.raises(TrialFileError, match=r"dup.yaml: criterion inc-age: duplicate id"):
        load_trial(path)


def test_choice_values_are_checked(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        GOOD.replace('{fact: age, op: ">=", value: 18}', "{fact: stage, op: '==', value: V}")
    )
    with pytest.raises(TrialFileError, match=r"'V' is not a choice of stage"):
        load_trial(path)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("slug: [unclosed\n")
    with pytest.raises(TrialFileError, match=r"^broken.yaml: not valid YAML"):
        load_trial(path)


def test_a_new_trial_with_existing_facts_needs_no_code(tmp_path):
    (tmp_path / "demo.yaml").write_text(GOOD)
    trials = load_trials(tmp_path)
    assert list(trials) == ["demo"]


def test_duplicate_slugs_across_files_fail(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(TrialFileError, match="slug 'demo' is already used"):
        load_trials(tmp_path)


def test_trial_check_prints_the_table_or_the_exact_error(tmp_path, capsys):
    assert check_main([str(TRIALS_DIR / "oligomet-rt.yaml")]) == 0
    out = capsys.readouterr().out
    assert "PROTOCOL CORRECTION" in out and "confirm at enrollment" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("fact: age", "fact: weight"))
    assert check_main([str(bad)]) == 1
    assert "bad.yaml: criterion inc-age: field 'rule.fact': unknown fact 'weight'" in (
        capsys.readouterr().err
    )
