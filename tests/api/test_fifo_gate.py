"""The gate in front of Rasa: at most `width` through at once, the others in arrival order."""

import threading
import time

import pytest

from api.core.fifo_gate import FifoGate


def wait_for(condition, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the condition never held"
        time.sleep(0.001)


def test_width_slots_then_wait():
    gate = FifoGate(2)
    assert gate.acquire(timeout=0) and gate.acquire(timeout=0)
    assert gate.acquire(timeout=0.01) is False
    gate.release()
    assert gate.acquire(timeout=0)


def test_waiters_go_through_in_arrival_order():
    gate = FifoGate(1)
    assert gate.acquire()
    order: list[int] = []

    def waiter(n: int) -> None:
        assert gate.acquire(timeout=5)
        order.append(n)
        gate.release()

    threads = []
    for n in range(6):
        t = threading.Thread(target=waiter, args=(n,))
        t.start()
        threads.append(t)
        wait_for(lambda n=n: gate.waiting == n + 1)  # n+1 are queued, in this order
    gate.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_released_slot_goes_to_the_waiter_not_to_a_newcomer():
    # threading.Semaphore lets a newcomer take the slot the woken waiter was given
    gate = FifoGate(1)
    assert gate.acquire()
    got = threading.Event()

    def waiter() -> None:
        assert gate.acquire(timeout=5)
        got.set()

    t = threading.Thread(target=waiter)
    t.start()
    wait_for(lambda: gate.waiting == 1)
    gate.release()
    assert (
        gate.acquire(timeout=0) is False
    )  # handed over already, though the waiter may not run yet
    t.join(5)
    assert got.is_set()
    gate.release()
    assert gate.acquire(timeout=0)


def test_a_waiter_that_gives_up_leaves_the_queue_and_holds_nothing():
    gate = FifoGate(1)
    assert gate.acquire()
    assert gate.acquire(timeout=0.02) is False
    assert gate.waiting == 0
    gate.release()
    assert gate.acquire(timeout=0)  # the slot was not lost to the waiter that left


def test_releasing_more_than_was_taken_is_an_error():
    gate = FifoGate(1)
    with pytest.raises(RuntimeError, match="nobody held"):
        gate.release()


def test_width_must_be_positive():
    with pytest.raises(ValueError, match="at least one"):
        FifoGate(0)


def test_many_threads_never_more_than_width_inside():
    gate, inside, most = FifoGate(3), [0], [0]
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            assert gate.acquire(timeout=5)
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.0002)
            with lock:
                inside[0] -= 1
            gate.release()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most[0] <= 3 and inside[0] == 0
    assert all(gate.acquire(timeout=0) for _ in range(3))  # every slot came back
