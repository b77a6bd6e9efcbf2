"""
Token buckets on the reactor clock: how often somebody may do something.

A L{Rate} of C{count} per C{seconds} lets anybody do a thing C{count} times
at once, and once more every C{seconds / count} seconds after that, as the
bucket fills again. Plain Python on a clock (a function that returns the
time in seconds, the reactor's C{seconds} in the service); nothing here
knows XML or what is limited.
"""

import math
from collections import OrderedDict
from typing import NamedTuple

from mucservice import errors


class Rate(NamedTuple):
    """
    C{count} times per C{seconds}: the size of a bucket and how fast it
    fills again. Written C{COUNT/SECONDS} on the command line.
    """

    count: int
    seconds: float

    def __str__(self):
        return "%d/%g" % (self.count, self.seconds)

    @classmethod
    def parse(cls, text):
        """
        @param text: C{COUNT/SECONDS}, e.g. C{"10/60"}: a whole number of 1
            or more, and a positive number of seconds.
        @raise ValueError: C{text} is not that.
        """
        count, slash, seconds = str(text).partition("/")
        try:
            rate = cls(int(count), float(seconds))
        except ValueError:
            rate = None
        if (not slash or rate is None or rate.count < 1 or not 0 < rate.seconds < math.inf):
            raise ValueError("must be COUNT/SECONDS, e.g. 10/60: a whole number of 1 or more "
                             "per a positive number of seconds")
        return rate


def retryText(seconds):
    """
    @return: when to try again, for the text of an error: C{"try again in
        N seconds"}, rounded up.
    """
    seconds = max(1, math.ceil(seconds))
    return "try again in %d second%s" % (seconds, "" if seconds == 1 else "s")


class Buckets:
    """
    One token bucket per key (who does something, and where), full when
    first used. A bucket that has not been used for the C{seconds} of the
    rate is full again, and is forgotten: keys that went away do not
    accumulate, and those in memory are at most the keys used within that
    time.

    @ivar rate: the L{Rate}.
    @ivar what: what is limited, in the plural, for the error text (e.g.
        C{"messages"}).
    """

    def __init__(self, rate, clock, what):
        """
        @param clock: returns the time in seconds.
        """
        self.rate = rate
        self.what = what
        self._clock = clock
        # Key to when its bucket is full again, least recently used first:
        # one number per key (a tuple of the tokens and when they were
        # counted took 88 bytes more).
        self._buckets = OrderedDict()
        # The most buckets held since the dictionary was last made.
        self._peak = 0

    def __len__(self):
        return len(self._buckets)

    def _fullAt(self, key, now):
        """
        @return: when C{key}'s bucket is full again, as seen at C{now}: not
            before C{now}, and never more than a period after it. A clock
            set back leaves a bucket empty for one period, not for as long
            as the clock went back: a later time is brought back to it.
        """
        fullAt = self._buckets.get(key)
        if fullAt is None or fullAt <= now:
            return now
        if fullAt > now + self.rate.seconds:
            fullAt = self._buckets[key] = now + self.rate.seconds
        return fullAt

    def _level(self, fullAt, now):
        """
        @return: the tokens of a bucket full again at C{fullAt} (L{_fullAt}).
        """
        count = self.rate.count
        return count - (fullAt - now) * count / self.rate.seconds

    def expire(self, now):
        """
        Forget the buckets that are full again, from the least recently
        used on: a bucket that is not there is full. Those of keys that went
        away (a session that left, an address somebody named once) go here,
        at the latest a period after their last use (one used less
        recently and not yet full holds the others back; it was used within
        the period too).

        @param now: the time, as the clock tells it.
        """
        buckets = self._buckets
        while buckets:
            key = next(iter(buckets))
            if buckets[key] > now:
                break
            del buckets[key]
        if len(buckets) * 8 < self._peak:
            # A dictionary keeps the table of its largest size: a burst of
            # keys gone would be paid for ever.
            self._buckets = OrderedDict(buckets)
            self._peak = len(buckets)

    def _refuse(self, level):
        """
        @raise errors.ResourceConstraint: if C{level} holds no whole token,
            with when to try again.
        """
        if level < 1:
            wait = (1 - level) * self.rate.seconds / self.rate.count
            raise errors.ResourceConstraint("too many %s; %s" % (self.what, retryText(wait)))

    def check(self, key):
        """
        Refuse C{key} while its bucket is empty, taking nothing.

        @raise errors.ResourceConstraint: it is empty; the text says when
            to try again.
        """
        now = self._clock()
        self._refuse(self._level(self._fullAt(key, now), now))

    def take(self, key):
        """
        Take a token from C{key}'s bucket.

        @raise errors.ResourceConstraint: there is none; nothing is taken,
            and the text says when to try again.
        """
        now = self._clock()
        self.expire(now)
        fullAt = self._fullAt(key, now)
        self._refuse(self._level(fullAt, now))
        self._buckets[key] = fullAt + self.rate.seconds / self.rate.count
        self._buckets.move_to_end(key)
        self._peak = max(self._peak, len(self._buckets))
