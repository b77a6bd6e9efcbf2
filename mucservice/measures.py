"""
What a provider may report to the metrics endpoint (C{--metrics-port}):
plain numbers it keeps as it works, read when the endpoint is scraped.

A provider that has numbers worth watching provides L{IMeasured}; the
service finds it among the providers and asks it at every scrape. Nothing
here knows Prometheus: L{mucservice.metrics} turns each L{Measure} into a
metric named C{mucservice_NAME}, labelled with the service the provider
serves (C{provider="room-store"}). This is a contract, as
L{mucservice.interfaces}: providers import it, and it imports nothing of
the service.

A store that keeps the rooms' archive reports its size as
L{ARCHIVE_MESSAGES} (and L{ARCHIVE_BYTES} if it knows them): gauges, kept
up to date as it writes, since no scrape may wait for the database.
"""

from bisect import bisect_left
from dataclasses import dataclass

from zope.interface import Interface

GAUGE = "gauge"
COUNTER = "counter"
HISTOGRAM = "histogram"

#: The name of the gauge of the messages an archive holds.
ARCHIVE_MESSAGES = "archive_messages"

#: The name of the gauge of the bytes an archive holds.
ARCHIVE_BYTES = "archive_bytes"

#: Upper bounds, in seconds, of the buckets of L{Histogram}s of durations:
#: from a millisecond (a write on a quiet disk) to ten seconds (a store that
#: is stuck).
DURATION_BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class IMeasured(Interface):
    """
    Optional, for any provider: numbers it reports to the metrics endpoint.
    """

    def measures():
        """
        Called at every scrape, on the reactor's thread: it must answer at
        once, from numbers kept in memory (no I/O, no Deferred).

        @return: an iterable of L{Measure}s.
        """


@dataclass(frozen=True)
class Measure:
    """
    One number, or one histogram, of a provider.

    @ivar name: the metric's name without the C{mucservice_} prefix (and,
        for a counter, without C{_total}): lower case, digits and C{_}.
    @ivar kind: L{GAUGE}, L{COUNTER} or L{HISTOGRAM}.
    @ivar help: what it counts, in one line.
    @ivar value: a number; for a L{HISTOGRAM}, a L{Histogram}.
    @ivar labels: more C{(name, value)} pairs that tell this measure from
        others of the same name.
    """

    name: str
    kind: str
    help: str
    value: object
    labels: tuple = ()


class Histogram:
    """
    Observations counted in buckets, as Prometheus reads them: how many
    were at most each bound, their sum and their count.

    @ivar bounds: the upper bounds of the buckets, ascending.
    @ivar counts: how many observations fell in each bucket (the last one
        past every bound).
    @ivar sum: the sum of the observations.
    @ivar count: how many there were.
    """

    def __init__(self, bounds=DURATION_BOUNDS):
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value):
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self):
        """
        @return: C{(bound, observations at most that)} for every bound.
        """
        total, result = 0, []
        for bound, count in zip(self.bounds, self.counts):
            total += count
            result.append((bound, total))
        return result


class Durations:
    """
    How long the operations a provider hands to Deferreds take (e.g. the
    transactions of a store, from being asked for to being done), and how
    many are under way.

    @ivar histogram: the L{Histogram} of their durations, in seconds.
    @ivar underWay: how many were started and are not done.
    @ivar clock: returns the time in seconds.
    """

    def __init__(self, clock, bounds=DURATION_BOUNDS):
        self.clock = clock
        self.histogram = Histogram(bounds)
        self.underWay = 0

    def track(self, d):
        """
        Time the operation of the Deferred C{d}, from now until it fires.

        @return: C{d}.
        """
        self.underWay += 1
        start = self.clock()

        def done(result):
            self.underWay -= 1
            self.histogram.observe(self.clock() - start)
            return result

        return d.addBoth(done)
