"""
Tests for L{mucservice.memory}: freed memory given back on a timer.
"""

import subprocess
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


def test_freezeStartupCollectsFirst():
    """What is garbage is collected before the rest is frozen."""
    calls = []
    memory.freezeStartup(lambda: calls.append("collect"), lambda: calls.append("freeze"))
    assert calls == ["collect", "freeze"]


FROZEN = """
import gc, sys
from twisted.internet.testing import MemoryReactorClock
from mucservice import tap
config = tap.Options()
config.parseOptions(["--jid", "muc.example.org", "--secret", "s", "--room-store", "memory",
                     "--hat-store", "memory", "--db", "sqlite:" + sys.argv[1]])
# As twistd makes it (no reactor given), or as a test does.
root = tap.makeService(config, *([] if sys.argv[2] == "twistd" else [MemoryReactorClock()]))
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def frozenAndTracked(tmp_path, how):
    """
    @param how: C{"twistd"} to make the service as twistd makes it, or
        C{"test"} to give it a reactor of its own, as tests do.
    @return: how many objects the process then has frozen, and how many
        the collector still looks at.
    """
    out = subprocess.run([sys.executable, "-c", FROZEN, str(tmp_path / "x.sqlite"), how],
                         capture_output=True, text=True, timeout=120, check=True)
    return [int(n) for n in out.stdout.split()]


def test_twistdProcessFreezesStartup(tmp_path):
    """
    In the process twistd runs, the start-up's objects (tens of thousands)
    are out of the collector's passes, which then look at a few hundred;
    a service made with a reactor of its own (as tests make them) freezes
    nothing.
    """
    frozen, tracked = frozenAndTracked(tmp_path, "twistd")
    assert frozen > 20000
    assert tracked < 1000
    frozen, tracked = frozenAndTracked(tmp_path, "test")
    assert frozen == 0
    assert tracked > 20000


def test_entries():
    """One item is kept alone, several as a tuple; both read back as a tuple."""
    assert memory.entryOf(("a",)) == "a"
    assert memory.entryOf(("a", "b")) == ("a", "b")
    assert memory.several("a") == ("a",)
    assert memory.several(("a", "b")) == ("a", "b")
    assert memory.several(()) == ()
