"""Reading's lazily built parts, built before the first message needs them.

ConText's spaCy pipeline, the unit registry and the lexicon are built on first use: about 7 s
on 2 cores, most of it loading spaCy. A server that reads messages calls `prepare_reading` as
it starts, so that the first clinician after a restart does not wait that long for an answer.
"""

from __future__ import annotations

from criteria.reading.extraction import extract_facts

# Made up, not a patient's: a term under a negation, a laboratory value with its unit, an age.
SAMPLE = "62 year old woman, no history of hepatitis B, creatinine 1.1 mg/dL, ECOG 1"


def prepare_reading() -> None:
    """Read a sample message: it builds every part that reading a real one uses."""
    extract_facts(SAMPLE)
