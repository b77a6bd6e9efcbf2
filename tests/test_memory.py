"""
Tests for L{mucservice.memory}: freed memory given back on a timer.
"""

import sys

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
