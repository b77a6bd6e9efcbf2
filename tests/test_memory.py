"""
Tests for L{mucservice.memory}: freed memory given back on a timer.
"""

import sys
from collections import OrderedDict

import pytest
from twisted.internet.task import Clock

from mucservice import memory
from tests.fakeservice import FakeService


def test_trimsOnTheClock():
    """The trim runs every interval of the reactor's clock once started, until stopped."""
    clock, calls = Clock(), []
    service = memory.trimmer(clock, 10, lambda: calls.append(clock.seconds()))
    service.startService()
    clock.advance(9)
    assert calls == []
    clock.advance(1)
    clock.advance(10)
    assert calls == [10, 20]
    service.stopService()
    clock.advance(30)
    assert calls == [10, 20]


def test_stoppedBeforeStarted():
    """A trimmer stopped without having started stops nothing (a service's root may)."""
    service = memory.trimmer(Clock(), 10, lambda: None)
    service.stopService()
    assert not service.running


def test_noTrim():
    """An interval of 0, or a C library without malloc_trim, gives no service."""
    assert memory.trimmer(Clock(), 0, lambda: None) is None
    assert (memory.trimmer(Clock(), 10) is None) == (memory.findTrim() is None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_glibcTrim():
    """On glibc, the trim found is malloc_trim, which runs and answers 0 or 1."""
    trim = memory.findTrim()
    assert trim is not None
    assert trim() in (0, 1)


def test_serviceOption():
    """The service trims every --trim-memory seconds (10 by default); 0 turns it off."""
    assert FakeService().root.getServiceNamed("trim-memory").interval == 10
    with pytest.raises(KeyError):
        FakeService("--trim-memory", "0").root.getServiceNamed("trim-memory")


def test_compactedKeepsDenseTables():
    """A small table, or one about as full as when it was made, is kept as it is."""
    small = {n: n for n in range(10)}
    for n in range(9):
        del small[n]
    full = set(range(10000))
    assert memory.compacted(small) is small
    assert memory.compacted(full) is full


@pytest.mark.parametrize("kind", [dict, OrderedDict, set])
def test_compactedSparseTable(kind):
    """
    A table that held 10,000 entries and holds 10 is made again, of its
    type, with the same entries in the same order, in a fraction of the
    memory; the copy is not sparse.
    """
    table = kind(range(10000)) if kind is set else kind((n, str(n)) for n in range(10000))
    grown = sys.getsizeof(table)
    for n in range(0, 9990):
        if kind is set:
            table.discard(n)
        else:
            del table[n]
    assert memory.sparse(table)
    made = memory.compacted(table)
    assert type(made) is kind and made is not table
    assert list(made) == list(table)
    if kind is not set:
        assert list(made.items()) == list(table.items())
    assert sys.getsizeof(made) * 20 < grown
    assert not memory.sparse(made)


def test_compactedOnlyAfterHalfAreGone():
    """
    A table made again is not made again until it has lost more than half
    of what it held then: the copies cost a constant time per entry gone.
    """
    table = {n: n for n in range(100000)}
    made = []
    for n in range(100000):
        del table[n]
        compacted = memory.compacted(table)
        if compacted is not table:
            made.append(len(table))
            table = compacted
    assert made
    assert all(later * 2 < earlier for earlier, later in zip(made, made[1:]))
