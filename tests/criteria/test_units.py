"""Units: every written form, strict refusals, Pint's factors, bare numbers and stated ULNs."""

from __future__ import annotations

import itertools
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria.facts import load_facts, load_site
from criteria.reading import units
from criteria.reading.text import normalise
from criteria.reading.units import (
    ULN,
    Ambiguous,
    Unit,
    UnknownUnit,
    bare_unit,
    convert,
    expected_units,
    multiple_of_uln,
    parse_quantity,
    plausible_uln,
    uln_stated,
    unit_after,
    unit_keys,
    unit_spans,
)

BILIRUBIN = "584.66 g/mol"
CREATININE = "113.12 g/mol"
HAEMOGLOBIN = "haemoglobin_monomer"


def after_number(text: str) -> Unit | UnknownUnit | None:
    """The unit after the first number of `text` (normalised), as a caller would ask."""
    norm = normalise(text)
    m = re.search(r"(?<![a-z\d])\d+(?:[.,]\d+)?", norm)
    assert m is not None, text
    return unit_after(norm, m.end())


def key_after(text: str, to: str | None = None) -> str | None:
    """The unit key read after the first number; with `to`, the reading that converts to it."""
    unit = after_number(text)
    if not isinstance(unit, Unit):
        return None
    if to is None:
        return unit.key
    fitting = [k for k in unit.keys if convert(1.0, k, to, HAEMOGLOBIN) is not None]
    return fitting[0] if len(fitting) == 1 else None


# ---------------------------------------------------------------------------------------------
# Written forms


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("WBC 5.4 x 10^9/L", "10^9/L"),
        ("WBC 5.4 x10^9/l", "10^9/L"),
        ("WBC 5.4x10^9/L", "10^9/L"),
        ("WBC 5.4 × 10⁹/L", "10^9/L"),
        ("WBC 5.4 *10^9/L", "10^9/L"),
        ("WBC 5.4 x 10^9 /litre", "10^9/L"),
        ("WBC 5.4 x 10^9 per liter", "10^9/L"),
        ("WBC 5.4 x 10e9/l", "10^9/L"),
        ("WBC 5.4 10^9/L", "10^9/L"),
        ("WBC 5.4 x 10^9 cells/L", "10^9/L"),
        ("WBC 5.4 x 10^9", "10^9/L"),
        ("WBC 5.4 x 109/L", "10^9/L"),  # the superscript lost in a copy
        ("plt 250 giga/l", "10^9/L"),
        ("plt 250 Gpt/L", "10^9/L"),
        ("WBC 5.4 k/uL", "10^3/uL"),
        ("WBC 5.4 k/µL", "10^3/uL"),
        ("WBC 5.4 K/mcL", "10^3/uL"),
        ("WBC 5.4 x 10^3/uL", "10^3/uL"),
        ("WBC 5.4 x10^3/mm3", "10^3/uL"),
        ("WBC 5.4 thou/uL", "10^3/uL"),
        ("plt 250k", "10^3/uL"),
        ("plt 250 thousand", "10^3/uL"),
        ("WBC 5400 /mm3", "/uL"),
        ("WBC 5400/mm^3", "/uL"),
        ("WBC 5400 cells/mm^3", "/uL"),
        ("WBC 5400 cells/mm3", "/uL"),
        ("WBC 5400 /uL", "/uL"),
        ("WBC 5400/µl", "/uL"),
        ("WBC 5400 per microliter", "/uL"),
        ("WBC 5400 per microlitre", "/uL"),
        ("WBC 5400 per cubic millimetre", "/uL"),
        ("WBC 5400 cells per ul", "/uL"),
        ("WBC 5400 /cmm", "/uL"),
        ("hb 13 g/dl", "g/dL"),
        ("hb 13 g/dL", "g/dL"),
        ("hb 13 g%", "g/dL"),
        ("hb 13 g %", "g/dL"),
        ("hb 13 gm/dl", "g/dL"),
        ("hb 13 gms/dl", "g/dL"),
        ("hb 13 grams per deciliter", "g/dL"),
        ("hb 13 g/100ml", "g/dL"),
        ("hb 7.4 mmol/l", "mmol/L"),
        ("hb 7.4 mmol/L", "mmol/L"),
        ("hb 7,4 millimoles per litre", "mmol/L"),
        ("bili 32 µmol/L", "umol/L"),
        ("bili 32 μmol/L", "umol/L"),
        ("bili 32 umol/l", "umol/L"),
        ("bili 32 micromol/L", "umol/L"),
        ("bili 32 mcmol/L", "umol/L"),
        ("bili 1.9 mg/dl", "mg/dL"),
        ("bili 1.9 mg/dL", "mg/dL"),
        ("bili 1.9 mg%", "mg/dL"),
        ("AST 40 u/l", "U/L"),
        ("AST 40 U/L", "U/L"),
        ("AST 40 iu/l", "U/L"),
        ("AST 40 IU/L", "U/L"),
        ("AST 40 units/L", "U/L"),
        ("AST 2.5 x ULN", "x ULN"),
        ("AST 2.5x ULN", "x ULN"),
        ("AST 2.5xULN", "x ULN"),
        ("AST 2.5 × ULN", "x ULN"),
        ("AST 2.5 ULN", "x ULN"),
        ("AST 2.5 times ULN", "x ULN"),
        ("AST 2.5 times the upper limit of normal", "x ULN"),
        ("AST 2.5 x the upper limit of normal", "x ULN"),
        ("AST 2.5 times normal", "x ULN"),
        ("AST 2.5-fold ULN", "x ULN"),
        ("AST 2.5 x upper limit", "x ULN"),
        ("FEV1 75%", "%"),
        ("FEV1 75 %", "%"),
        ("FEV1 75 percent", "%"),
        ("FEV1 75% predicted", "%"),
        ("FEV1 75% of predicted", "%"),
        ("eGFR 60 ml/min", "mL/min"),
        ("eGFR 60 mL/min/1.73m2", "mL/min"),
        ("eGFR 60 ml/min/1.73 m^2", "mL/min"),
        ("CrCl 60 mL/minute", "mL/min"),
        ("LE 6 months", "months"),
        ("LE 6 month", "months"),
        ("LE 6 mo", "months"),
        ("LE 6 mos", "months"),
        ("LE 6 mths", "months"),
        ("LE 6 weeks", "weeks"),
        ("LE 3 wks", "weeks"),
        ("LE 3 wk", "weeks"),
        ("LE 10 days", "days"),
        ("LE 2 years", "years"),
        ("LE 2 yrs", "years"),
        ("59 years old", "years"),
        ("59-year-old man", "years"),
        ("72 y/o", "years"),
        ("72 yo", "years"),
        ("72 y.o. male", "years"),
    ],
)
def test_written_unit_is_read_as_its_key(text, key):
    assert key_after(text) == key


@pytest.mark.parametrize(
    ("text", "to", "key"),
    [
        ("plt 250 G/L", "10^9/L", "10^9/L"),  # lower-cased, "g/l" is giga or gram per litre
        ("plt 250 g/l", "10^9/L", "10^9/L"),
        ("hb 130 g/L", "g/L", "g/L"),
        ("hb 130 G/L", "g/L", "g/L"),
    ],
)
def test_g_per_litre_is_read_by_what_it_measures(text, to, key):
    assert key_after(text, to) == key


def test_g_per_litre_converts_only_in_the_reading_that_fits():
    unit = after_number("250 G/L")
    assert isinstance(unit, Unit)
    assert set(unit.keys) == {"10^9/L", "g/L"}
    assert convert(250, unit, "10^9/L") == 250
    assert convert(130, unit, "g/L", HAEMOGLOBIN) == 130
    assert convert(250, unit, "/uL") == pytest.approx(250_000)
    assert convert(250, unit, "U/L") is None


@pytest.mark.parametrize(
    "text",
    [
        "metastases 3, in the liver",
        "3 and 4",
        "3",
        "3 in the liver",
        "3 on the left",
        "3 lesions",
        "3 today",
        "74M",
        "70F",
        "3 w/ brain mets",
        "3/4 lesions",
        "6/12",
        "ecog 0-1",
        "3 x 4 cm",
        "3 and/or 4",
        "2 cycles of cisplatin",
        "3 times",
    ],
)
def test_nothing_unit_like_after_the_number(text):
    assert after_number(text) is None


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("hb 7.4 mmol", "mmol"),  # no volume: not guessed
        ("bili 5 mg", "mg"),
        ("wbc 5.4 ml", "ml"),
        ("wbc 5.4 foo/l", "foo/l"),
        ("wbc 5.4 x10^12/L", "x10^12/l"),
        ("wbc 5.4 x 10^6/uL", "x 10^6/ul"),
        ("hba1c 48 mmol/mol", "mmol/mol"),
        ("bili 20 ukat/l", "ukat/l"),
        ("bili 1.9 mg/dl/h", "mg/dl/h"),
        ("bili 1.9 mg/l.", "mg/l"),
        ("hb 13 g", "g"),
        ("lesion 5 mm", "mm"),
        ("wbc 5 /hpf", "/hpf"),
        ("hb 7.4 mM", "mm"),
        ("bili 1.9 mg/kg", "mg/kg"),
        ("109/L", "/l"),  # a power of ten without its "x": refused, not read as 109
    ],
)
def test_unknown_unit_is_refused_not_dropped(text, written):
    unit = after_number(text)
    assert isinstance(unit, UnknownUnit), unit
    assert unit.text == written


def test_unit_span_is_where_the_unit_is_written():
    text = normalise("WBC 5.4 x 10^9/L, Hb 13 g/dL")
    first = unit_after(text, text.index("5.4") + 3)
    second = unit_after(text, text.index("13") + 2)
    assert isinstance(first, Unit) and isinstance(second, Unit)
    assert text[first.start : first.end] == "x 10^9/l"
    assert text[second.start : second.end] == "g/dl"


def test_a_limit_named_before_its_number_is_not_the_unit():
    text = normalise("bili 1.9 ULN 1.2")
    assert unit_after(text, text.index("1.9") + 3) is None
    text = normalise("AST 2.5 ULN, ALT 1.8 ULN")
    assert key_after("AST 2.5 ULN, ALT 1.8 ULN") == ULN
    assert unit_after(text, len(text)) is None


def test_positions_outside_the_text_read_nothing():
    assert unit_after("5 mg/dl", 100) is None
    assert unit_after("", 0) is None
    assert unit_after("mg/dl", -5) == Unit("mg/dL", 0, 5)


# ---------------------------------------------------------------------------------------------
# Unit spans


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("WBC 5.4 x 10^9/L and plt 250 x10^9/l", ["x 10^9/l", "x10^9/l"]),
        ("WBC 5400 cells/mm3", ["cells/mm3"]),
        ("ANC (cells/mm3): 1500", ["cells/mm3"]),
        ("eGFR 60 mL/min/1.73m2", ["ml/min/1.73m2"]),
        ("hb 13 g/100ml", ["g/100ml"]),
        ("LE 6 months, ECOG 1", ["months"]),
        ("hb 7.4 mmol", ["mmol"]),
        ("3 lesions in 2 organs", []),
        ("bili 1.9 mg/dL ULN 1.2", ["mg/dl"]),
    ],
)
def test_unit_spans(text, written):
    norm = normalise(text)
    assert [norm[s:e] for s, e in unit_spans(norm)] == written


def test_digits_inside_units_are_covered_by_spans():
    norm = normalise("WBC 5.4 x 10^9/L, eGFR 60 mL/min/1.73m2, WBC 5400/mm3")
    spans = unit_spans(norm)
    for digits in ("10^9", "1.73", "m2", "mm3"):
        at = norm.index(digits)
        assert any(s <= at and at + len(digits) <= e for s, e in spans), digits
    for value in ("5.4", "60", "5400"):
        assert not any(s <= norm.index(value) < e for s, e in spans), value


# ---------------------------------------------------------------------------------------------
# Conversion


def test_haemoglobin_mmol_per_litre_by_the_monomer_molar_mass():
    assert convert(7.4, "mmol/L", "g/L", HAEMOGLOBIN) == pytest.approx(119.2, abs=0.05)
    assert convert(7.4, "mmol/L", "g/L", "16.11 g/mmol") == pytest.approx(119.214)
    assert convert(119.214, "g/L", "mmol/L", HAEMOGLOBIN) == pytest.approx(7.4)
    assert convert(7.4, "mmol/L", "g/L") is None  # without the molar mass, no bridge


@pytest.mark.parametrize(
    ("value", "unit", "to", "expected"),
    [
        (250, "10^9/L", "10^9/L", 250),
        (5.4, "10^3/uL", "10^9/L", 5.4),  # k/uL == 10^9/L
        (5400, "/uL", "10^9/L", 5.4),
        (250, "10^9/L", "/uL", 250_000),
        (13, "g/dL", "g/L", 130),  # g% is g/dL
        (130, "g/L", "g/dL", 13),
        (40, "U/L", "U/L", 40),
        (2.5, "x ULN", "x ULN", 2.5),
        (75, "%", "%", 75),
        (3, "weeks", "days", 21),
        (6, "months", "years", 0.5),
        (2, "years", "months", 24),
        (13, "weeks", "months", 13 * 7 / (365.25 / 12)),
    ],
)
def test_convert(value, unit, to, expected):
    assert convert(value, unit, to) == pytest.approx(expected)


def test_written_spellings_convert_the_same():
    """G/L == 10^9/L, k/uL == 10^9/L, /mm3 == /uL, g% == g/dL, via what is written."""
    for text, same, to in [
        ("250 G/L", "250 x 10^9/L", "10^9/L"),
        ("250 k/uL", "250 x 10^9/L", "10^9/L"),
        ("5400/mm3", "5400/uL", "10^9/L"),
        ("13 g%", "13 g/dL", "g/L"),
        ("40 IU/L", "40 U/L", "U/L"),
    ]:
        a, b = after_number(text), after_number(same)
        assert isinstance(a, Unit) and isinstance(b, Unit)
        assert convert(1.0, a, to) == convert(1.0, b, to) is not None, text


def test_bilirubin_and_creatinine_across_mass_and_substance():
    assert convert(1.9, "mg/dL", "umol/L", BILIRUBIN) == pytest.approx(32.5, abs=0.05)
    assert convert(32.5, "umol/L", "mg/dL", BILIRUBIN) == pytest.approx(1.9, abs=0.005)
    assert convert(1.0, "mg/dL", "umol/L", CREATININE) == pytest.approx(88.4, abs=0.05)
    assert convert(88.4, "umol/L", "mg/dL", CREATININE) == pytest.approx(1.0, abs=0.001)
    assert convert(0.0884, "mmol/L", "umol/L", CREATININE) == pytest.approx(88.4)
    assert convert(1.9, "mg/dL", "umol/L") is None


@pytest.mark.parametrize(
    ("unit", "to", "molar_mass"),
    [
        ("mmol/L", "10^9/L", None),  # a substance concentration is not a platelet count
        ("mmol/L", "10^9/L", HAEMOGLOBIN),
        ("mL/min", "umol/L", CREATININE),  # eGFR / CrCl is not a creatinine
        ("mL/min", ULN, CREATININE),
        ("U/L", "umol/L", BILIRUBIN),
        ("%", ULN, None),  # 150 % is not 1.5 x ULN without saying so
        ("umol/L", ULN, BILIRUBIN),  # needs a ULN: multiple_of_uln
        ("x ULN", "umol/L", BILIRUBIN),
        ("g/dL", "10^9/L", None),
        ("/uL", "g/L", HAEMOGLOBIN),
        ("months", "%", None),
        ("years", "10^9/L", None),
    ],
)
def test_wrong_dimension_is_refused(unit, to, molar_mass):
    assert convert(1.0, unit, to, molar_mass) is None


def test_non_finite_values_are_not_converted():
    assert convert(float("nan"), "g/dL", "g/L") is None
    assert convert(float("inf"), "g/dL", "g/L") is None
    assert convert(1e308, "10^9/L", "/uL") is None


def test_unknown_key_is_a_data_error():
    with pytest.raises(ValueError, match="unknown unit key"):
        convert(1.0, "furlongs", "g/L")


def test_expected_units_for_the_re_ask():
    assert expected_units("g/L", HAEMOGLOBIN)[:3] == ["g/L", "g/dL", "mmol/L"]
    assert "mmol/L" not in expected_units("g/L")
    assert expected_units("10^9/L") == ["10^9/L", "10^3/uL", "/uL"]
    assert expected_units("months") == ["days", "weeks", "months", "years"]
    assert expected_units(ULN, CREATININE) == [ULN]
    with_uln = expected_units(ULN, CREATININE, uln_unit="umol/L")
    assert with_uln[0] == ULN and {"umol/L", "mg/dL", "mmol/L"} <= set(with_uln)
    assert "mL/min" not in with_uln and "U/L" not in with_uln
    assert expected_units(ULN, None, uln_unit="U/L") == [ULN, "U/L"]


# ---------------------------------------------------------------------------------------------
# Bare numbers

HGB = {"g/dL": [3, 22], "g/L": [30, 220]}
WBC = {"10^9/L": [0.1, 200], "/uL": [100, 200_000]}


@pytest.mark.parametrize(
    ("value", "candidates", "expected"),
    [
        (13, HGB, "g/dL"),
        (13.5, HGB, "g/dL"),
        (130, HGB, "g/L"),
        (25, HGB, None),  # neither 25 g/dL nor 25 g/L is a haemoglobin
        (250, HGB, None),
        (5.4, WBC, "10^9/L"),
        (5400, WBC, "/uL"),
        (150, WBC, Ambiguous(("10^9/L", "/uL"))),
        (-1, WBC, None),
        (float("nan"), WBC, None),
        (float("inf"), WBC, None),
        (3, {}, None),
    ],
)
def test_bare_unit(value, candidates, expected):
    assert bare_unit(value, candidates) == expected


# ---------------------------------------------------------------------------------------------
# Multiples of the upper limit of normal


@pytest.mark.parametrize(
    ("text", "limit", "unit_key", "written"),
    [
        ("bili 1.9 mg/dL ULN 1.2", 1.2, None, "uln 1.2"),
        ("bili 1.9 mg/dL (ULN 1.2 mg/dL)", 1.2, "mg/dL", "uln 1.2 mg/dl"),
        ("bili 1.9 (ULN: 1.2)", 1.2, None, "uln: 1.2"),
        ("bili 1.9 uln = 1.2", 1.2, None, "uln = 1.2"),
        ("bili 1.9, the ULN is 1.2", 1.2, None, "the uln is 1.2"),
        ("bili 32 upper limit 21", 21, None, "upper limit 21"),
        (
            "bili 32 upper limit of normal 21 umol/l",
            21,
            "umol/L",
            "upper limit of normal 21 umol/l",
        ),
        ("bili 1.9 normal < 1.2", 1.2, None, "normal < 1.2"),
        ("bili 1.9 (normal <1.2)", 1.2, None, "normal <1.2"),
        ("bili 1.9 (normal up to 1.2)", 1.2, None, "normal up to 1.2"),
        ("ast 95 (nl <= 40 U/L)", 40, "U/L", "nl <= 40 u/l"),
        ("bili 1.9 ref 0.3-1.2", 1.2, None, "ref 0.3-1.2"),
        ("bili 1.9 (ref: 0.3 - 1.2 mg/dl)", 1.2, "mg/dL", "ref: 0.3 - 1.2 mg/dl"),
        ("bili 1.9 reference range 0.3 to 1.2", 1.2, None, "reference range 0.3 to 1.2"),
        ("bili 1.9 normal range 0,3-1,2", 1.2, None, "normal range 0,3-1,2"),
        ("bili 1.9 uln 1,2", 1.2, None, "uln 1,2"),
    ],
)
def test_uln_stated(text, limit, unit_key, written):
    norm = normalise(text)
    found = uln_stated(norm, 0, len(norm))
    assert found is not None
    value, unit, (start, end) = found
    assert value == pytest.approx(limit)
    assert (unit.key if isinstance(unit, Unit) else unit) == unit_key
    assert norm[start:end] == written


@pytest.mark.parametrize(
    "text",
    [
        "bili 1.9 mg/dL",
        "AST 2.5 x ULN",
        "AST 2.5 ULN, ALT 1.8 ULN",
        "bili ref 1.2-0.3",  # backwards: not a range
        "bili 1.9 normal",
        "uln 1,200",  # a decimal comma or a thousands separator: not guessed
    ],
)
def test_no_uln_stated(text):
    norm = normalise(text)
    assert uln_stated(norm, 0, len(norm)) is None


def test_uln_stated_only_within_the_span():
    norm = normalise("AST 95 (ULN 40), ALT 45 (ULN 35)")
    first = uln_stated(norm, 0, norm.index(","))
    second = uln_stated(norm, norm.index(","), len(norm))
    assert first is not None and first[0] == 40
    assert second is not None and second[0] == 35
    assert uln_stated(norm, 0, 5) is None


def test_uln_stated_with_unknown_unit_is_refused_by_the_caller():
    norm = normalise("bili 1.9 (ULN 1.2 mg)")
    found = uln_stated(norm, 0, len(norm))
    assert found is not None and isinstance(found[1], UnknownUnit)


def test_stated_uln_gives_the_multiple():
    """ "bili 1.9 mg/dL ULN 1.2" -> 1.58 x ULN, not the site's ULN."""
    norm = normalise("bili 1.9 mg/dL ULN 1.2")
    value_unit = unit_after(norm, norm.index("1.9") + 3)
    limit, limit_unit, _ = uln_stated(norm, 0, len(norm))
    assert isinstance(value_unit, Unit) and limit_unit is None
    stated = (limit, value_unit.key)  # a bare limit is in the value's own unit ...
    site = parse_quantity(load_site().upper_limits_of_normal["bilirubin"])
    assert plausible_uln(stated, site, BILIRUBIN)  # ... when it is near the site's limit
    assert multiple_of_uln(1.9, value_unit, stated, BILIRUBIN) == pytest.approx(1.583, abs=0.001)
    site_multiple = multiple_of_uln(1.9, value_unit, site, BILIRUBIN)
    assert site_multiple == pytest.approx(32.4975 / 21, abs=0.001)


def test_a_limit_in_the_wrong_unit_is_not_plausible():
    site = (21.0, "umol/L")
    assert not plausible_uln((1.2, "umol/L"), site, BILIRUBIN)  # 1.2 meant mg/dL
    assert not plausible_uln((21.0, "mg/dL"), site, BILIRUBIN)
    assert not plausible_uln((40.0, "U/L"), site, BILIRUBIN)
    assert plausible_uln((17.0, "umol/L"), site, BILIRUBIN)
    assert plausible_uln((1.0, "mg/dL"), site, BILIRUBIN)
    assert not plausible_uln((0.0, "umol/L"), site, BILIRUBIN)


def test_multiple_of_uln():
    assert multiple_of_uln(95, "U/L", (40, "U/L")) == pytest.approx(2.375)
    assert multiple_of_uln(2.5, ULN, (40, "U/L")) == 2.5
    assert multiple_of_uln(106, "umol/L", (1.2, "mg/dL"), CREATININE) == pytest.approx(
        106 / (1.2 * 88.42), abs=0.001
    )
    assert multiple_of_uln(60, "mL/min", (106, "umol/L"), CREATININE) is None
    assert multiple_of_uln(1.0, "U/L", (0, "U/L")) is None


# ---------------------------------------------------------------------------------------------
# The data: units.yaml, lab_units.txt, facts.yaml and site.yaml agree


def _instances(form: str, spellings: dict[str, list[str]]) -> list[str]:
    """Written instances of a form: optional words left out and put in, first spellings."""
    tokens = re.findall(r"\[[^\]]*\]|[^\s\[\]]+", form)
    shortest = " ".join(
        spellings[t][0] if t in spellings else t for t in tokens if not t.startswith("[")
    )
    longest = " ".join(
        " ".join(spellings[w][0] if w in spellings else w for w in t.strip("[]").split())
        for t in tokens
    )
    return [shortest, longest]


def test_every_form_in_units_yaml_is_read_as_its_unit():
    data = yaml.safe_load(units.UNITS_FILE.read_text(encoding="utf-8"))
    ambiguous = set()
    for key, entry in data["units"].items():
        for form in entry["forms"]:
            for written in _instances(form, data["spellings"]):
                text = normalise(f"5 {written}")
                unit = unit_after(text, 1)
                assert isinstance(unit, Unit) and key in unit.keys, (key, form, unit)
                assert unit.end == len(text), (key, form)
                if unit.also:
                    ambiguous.add(text[unit.start :])
    # A form written under two units must be one the caller can tell apart by dimension.
    assert ambiguous == {"g / l"}


def test_every_unit_key_has_a_pint_expression():
    for key in unit_keys():
        assert convert(1.0, key, key) == pytest.approx(1.0), key


def test_definitions_file_ships_with_the_package():
    assert units.DEFINITIONS_FILE.parent == units.UNITS_FILE.parent
    assert units.DEFINITIONS_FILE.is_file() and units.UNITS_FILE.is_file()
    assert units._registry() is units._registry()  # built once


def test_facts_and_site_units_are_known():
    keys = set(unit_keys())
    for fact in load_facts().values():
        if fact.unit:
            assert fact.unit in keys, fact.id
        if fact.molar_mass:
            assert convert(1.0, "mg/dL", "umol/L", fact.molar_mass) is not None, fact.id
    site = load_site().upper_limits_of_normal
    for fact_id, limit in site.items():
        assert parse_quantity(limit) is not None, fact_id
    for fact in load_facts().values():
        for key in dict(fact.bare_units or {}):
            # a bare number's unit must convert to what the fact records
            if fact.kind == "uln":
                uln_unit = parse_quantity(site[fact.id])[1]
                assert key in expected_units(ULN, fact.molar_mass, uln_unit), (fact.id, key)
            else:
                assert key in expected_units(fact.unit, fact.molar_mass), (fact.id, key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21 umol/L", (21.0, "umol/L")),
        ("40 U/L", (40.0, "U/L")),
        ("1,2 mg/dL", (1.2, "mg/dL")),
        ("106", None),
        ("40 U/L and more", None),
        ("250 G/L", None),  # two readings: not for data files
        ("U/L", None),
    ],
)
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


# ---------------------------------------------------------------------------------------------
# Properties: never raise, and what is returned is where it says

PIECES = st.sampled_from(
    ["5.4", "13", "x", "×", "10^9", "10⁹", "/", "l", "L", "g", "dl", "%", "mmol", "µmol", "mg",
     "uln", "ULN", "times", "the", "upper", "limit", "of", "normal", "ref", "<", "-", "0.3",
     "1,2", "per", "micro", "liter", "mm3", "cells", "k", "u", "iu", "months", "mo", "y/o",
     "(", ")", ":", "=", " ", "", "ml/min", "1.73", "m2", "foo", "and", ",", "^", "*", "10"]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=120),
    st.lists(PIECES, max_size=25).map("".join),
    st.lists(PIECES, max_size=25).map(" ".join),
)


@given(text=TEXTS, pos=st.integers(min_value=-5, max_value=130))
@settings(max_examples=500, deadline=None)
def test_unit_after_never_raises_and_stays_in_the_text(text, pos):
    for candidate in (text, normalise(text)):
        unit = unit_after(candidate, pos)
        if unit is not None:
            assert max(pos, 0) <= unit.start < unit.end <= len(candidate)
            assert candidate[: unit.start][max(pos, 0) :].strip() in ("", "-")
            if isinstance(unit, Unit):
                assert unit.key in unit_keys() and set(unit.also) <= set(unit_keys())
            else:
                assert unit.text == candidate[unit.start : unit.end]


@given(text=TEXTS)
@settings(max_examples=500, deadline=None)
def test_unit_spans_never_raise_and_do_not_overlap(text):
    for candidate in (text, normalise(text)):
        spans = unit_spans(candidate)
        for start, end in spans:
            assert 0 <= start < end <= len(candidate)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start


@given(text=TEXTS, start=st.integers(-5, 130), end=st.integers(-5, 130))
@settings(max_examples=300, deadline=None)
def test_uln_stated_never_raises_and_stays_in_the_span(text, start, end):
    norm = normalise(text)
    found = uln_stated(norm, start, end)
    if found is not None:
        value, _unit, (s, e) = found
        assert value >= 0
        assert max(start, 0) <= s < e <= max(min(end, len(norm)), 0)
