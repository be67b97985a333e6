"""Reading's lazily built parts: built ahead by `prepare_reading`, and once only."""

from __future__ import annotations

import threading

from criteria import extract_facts, prepare_reading
from criteria.reading import context


def test_prepare_reading_builds_the_context_pipeline():
    context._built_pipeline.cache_clear()
    prepare_reading()
    assert context._built_pipeline.cache_info().currsize == 1
    hits = context._built_pipeline.cache_info().hits
    extract_facts("No history of hepatitis B.")
    assert context._built_pipeline.cache_info().hits > hits  # the first message built nothing


def test_callers_at_the_same_time_share_one_build():
    """The action server's warm-up and a clinician's first message may both ask for it."""
    context._built_pipeline.cache_clear()
    start = threading.Barrier(3)
    built = []

    def build() -> None:
        start.wait()
        built.append(context._pipeline())

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 3
    assert all(nlp is built[0] for nlp in built)
    assert context._built_pipeline.cache_info().misses == 1
