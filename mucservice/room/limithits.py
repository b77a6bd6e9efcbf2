"""
The limits that refused something: counted per limit for the metrics, and
logged at most once a minute per limit and user, so that a flood of
refused stanzas makes one line and an operator learns which limit to look
at (by the name of its option).
"""

from collections import Counter, OrderedDict

from twisted.logger import Logger

#: Seconds during which further hits of one limit by one user are counted
#: but not logged.
QUIET_INTERVAL = 60.0

#: The (limit, user) pairs remembered at most for that, the oldest
#: forgotten first.
REMEMBERED = 4096


class LimitHits:
    """
    @ivar counts: limit (the name of its option, e.g. C{"message-rate"}) to
        how many times it refused something.
    """

    log = Logger()

    def __init__(self, clock):
        """
        @param clock: returns the time in seconds.
        """
        self.clock = clock
        self.counts = Counter()
        # (limit, who) to when it was last logged, oldest first.
        self._logged = OrderedDict()

    def hit(self, limit, who=None, room=None):
        """
        C{limit} refused what C{who} asked for.

        @param who: the user or session that asked (a JID), or L{None}.
        @param room: the room it concerned (a JID), or L{None}.
        """
        self.counts[limit] += 1
        now = self.clock()
        key = (limit, who.userhostJID() if who is not None else None)
        last = self._logged.get(key)
        if last is not None and now - last < QUIET_INTERVAL:
            return
        self._logged[key] = now
        self._logged.move_to_end(key)
        while len(self._logged) > REMEMBERED:
            self._logged.popitem(last=False)
        self.log.info("the limit --{limit} refused {who}{where} ({count} refusals of it so "
                      "far); more by the same user within a minute are not logged",
                      event="limit.hit", limit=limit, count=self.counts[limit],
                      who=who.full() if who is not None else "a request",
                      where=" in " + room.full() if room is not None else "",
                      room=room.full() if room is not None else None)
