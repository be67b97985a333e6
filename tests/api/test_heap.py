"""api/core/heap.py: what the API loaded at start frozen out of the garbage collector's walks."""

from __future__ import annotations

import gc

import pytest
from frozen_heap_check import check_collects_garbage_then_freezes

from api.core.heap import freeze_long_lived


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_garbage_is_collected_and_the_rest_frozen(unfrozen):
    check_collects_garbage_then_freezes(freeze_long_lived)


def test_the_served_app_is_frozen_once_built(monkeypatch, unfrozen):
    import api.main

    built = object()
    monkeypatch.setattr(api.main, "create_app", lambda: built)
    # recorded first, so that undoing restores the module as it was (with or without an app)
    monkeypatch.setattr(api.main, "app", None, raising=False)
    monkeypatch.delattr(api.main, "app")
    assert api.main.app is built
    assert gc.get_freeze_count() > 0
