"""
The C{xmpp} pinger: finds ghost occupants by pinging them (XEP-0199) from
their room, after a delay, on reactor timers.

A trigger (an error bounce from an occupant's full JID, the component link
coming back, or silence longer than C{--ping-idle}) schedules a ping of that
JID C{--ping-delay} seconds later. Triggers for a JID that is already
scheduled, queued or being pinged change nothing, so a burst of bounces
makes one ping, and a burst of errors that put a whole server in question
looks at its occupants once per delay. At most C{--ping-concurrency} pings
are outstanding; the others wait in order: the pinger holds at most one
timer or place in the queue per session in a room, however many errors
come. A JID that leaves every room is dropped from all of
this. An answer of C{result} or C{feature-not-implemented} means alive; no
answer within C{--ping-timeout}, or any other error, means gone, and the
host removes the occupant from every room it is in.

C{service-unavailable} is ambiguous: a server answers it for a resource
that no longer exists (RFC 6121 section 8.5.3.2.2), and a client that does
not know XEP-0199 may answer it too. Every client in use today answers
pings, so the default takes it as gone; C{--ping-service-unavailable alive}
takes the other view.
"""

from collections import OrderedDict

from twisted.internet import defer, task
from twisted.logger import Logger
from twisted.words.protocols.jabber.error import StanzaError
from zope.interface import implementer

from mucservice.interfaces import IJoinObserver, IPinger
from mucservice.measures import COUNTER, GAUGE, IMeasured, Measure
from mucservice.memory import compacted

#: Error conditions of a stanza from an occupant that suggest its link is gone.
LINK_GONE_CONDITIONS = frozenset([
    "remote-server-not-found", "remote-server-timeout", "recipient-unavailable", "gone",
    "item-not-found", "service-unavailable", "redirect", "jid-malformed",
    "internal-server-error"])

#: Of those, the ones that say a whole server is unreachable.
SERVER_GONE_CONDITIONS = frozenset(["remote-server-not-found", "remote-server-timeout"])


@implementer(IPinger, IJoinObserver, IMeasured)
class XMPPPinger:
    """
    @ivar delay: seconds from a trigger to the ping.
    @ivar timeout: seconds a ping may take.
    @ivar concurrency: pings outstanding at most.
    @ivar idle: seconds of silence after which an occupant is pinged; 0 for
        never.
    @ivar unavailableIsAlive: whether C{service-unavailable} means alive.
    @ivar counts: how many pings were C{sent}, and how many found their
        occupant C{alive} or C{gone}.
    """

    log = Logger()

    def __init__(self, reactor, delay=60, timeout=30, concurrency=100, idle=0,
                 unavailableIsAlive=False):
        self.reactor = reactor
        self.delay = delay
        self.timeout = timeout
        self.concurrency = concurrency
        self.idle = idle
        self.unavailableIsAlive = unavailableIsAlive
        self.host = None
        self._scheduled = {}
        self._queued = OrderedDict()
        self._outstanding = {}
        self._lastSeen = {}
        # Domain to when its occupants were last scheduled, oldest first.
        self._serversInQuestion = OrderedDict()
        self._sweep = None
        self.counts = dict.fromkeys(("sent", "alive", "gone"), 0)

    # IPinger

    def start(self, host):
        self.host = host
        host.joinTracker.addObserver(self)
        if self.idle:
            self._sweep = task.LoopingCall(self.sweepIdle)
            self._sweep.clock = self.reactor
            self._sweep.start(self.idle / 2.0, now=False)

    def stop(self):
        if self.host is not None:
            self.host.joinTracker.removeObserver(self)
        if self._sweep is not None and self._sweep.running:
            self._sweep.stop()
        for call in self._scheduled.values():
            call.cancel()
        self._scheduled.clear()
        self._queued.clear()
        self._serversInQuestion.clear()
        for d in list(self._outstanding.values()):
            d.cancel()

    def errorReceived(self, realJID, condition):
        if condition not in LINK_GONE_CONDITIONS or not realJID.resource:
            return
        if condition in SERVER_GONE_CONDITIONS:
            self.serverInQuestion(realJID.host)
        else:
            self.schedule(realJID)

    def streamRestored(self):
        for realJID in self.host.joinTracker.realJIDs():
            self.schedule(realJID)

    def activity(self, realJID):
        if self.idle and self.host.joinTracker.roomsOf(realJID):
            self._lastSeen[realJID] = self.reactor.seconds()

    # IJoinObserver

    def occupantJoined(self, realJID, roomJID, nick):
        self.activity(realJID)

    def occupantLeft(self, realJID, roomJID, nick):
        if self.host.joinTracker.roomsOf(realJID):
            return
        call = self._scheduled.pop(realJID, None)
        if call is not None:
            call.cancel()
        self._queued.pop(realJID, None)
        self._lastSeen.pop(realJID, None)
        self._scheduled = compacted(self._scheduled)
        self._queued = compacted(self._queued)
        self._lastSeen = compacted(self._lastSeen)

    def nickChanged(self, realJID, roomJID, oldNick, newNick):
        pass

    # Scheduling

    def pending(self, realJID):
        """
        @return: whether a ping of C{realJID} is scheduled, queued or out.
        """
        return (realJID in self._scheduled or realJID in self._queued
                or realJID in self._outstanding)

    def serverInQuestion(self, domain):
        """
        Schedule every occupant from C{domain}, unless that was done within
        the delay: their pings are pending still, and a burst of bounces
        from a server that is down would otherwise go over them all again
        for each bounce.
        """
        now = self.reactor.seconds()
        questioned = self._serversInQuestion
        while questioned and next(iter(questioned.values())) <= now - self.delay:
            questioned.popitem(last=False)
        if domain in questioned:
            return
        questioned[domain] = now
        for occupant in self.host.joinTracker.occupantsFrom(domain):
            self.schedule(occupant)

    def schedule(self, realJID, delay=None):
        """
        Ping C{realJID} after the delay, unless that is already under way.
        """
        if self.pending(realJID) or not self.host.joinTracker.roomsOf(realJID):
            return
        self._scheduled[realJID] = self.reactor.callLater(
            self.delay if delay is None else delay, self._due, realJID)

    def sweepIdle(self):
        """
        Ping, without further delay, every occupant silent for C{idle} seconds.
        """
        limit = self.reactor.seconds() - self.idle
        for realJID in self.host.joinTracker.realJIDs():
            if self._lastSeen.setdefault(realJID, self.reactor.seconds()) <= limit:
                self._lastSeen[realJID] = self.reactor.seconds()
                if not self.pending(realJID):
                    self._queue(realJID)

    def _due(self, realJID):
        del self._scheduled[realJID]
        if self.host.joinTracker.roomsOf(realJID):
            self._queue(realJID)

    def _queue(self, realJID):
        self._queued[realJID] = None
        self._sendQueued()

    def _sendQueued(self):
        while self._queued and len(self._outstanding) < self.concurrency:
            realJID, _ = self._queued.popitem(last=False)
            rooms = self.host.joinTracker.roomsOf(realJID)
            if rooms:
                self._send(realJID, next(iter(rooms)))
        self._queued = compacted(self._queued)

    def _send(self, realJID, roomJID):
        self.counts["sent"] += 1
        d = self.host.ping(roomJID, realJID, self.timeout)
        self._outstanding[realJID] = d
        d.addCallbacks(lambda _: self._alive(realJID), self._failed, errbackArgs=(realJID,))
        d.addErrback(lambda f: self.log.failure("pinging {jid} failed", f, event="ping.failed",
                                                jid=realJID.full()))
        d.addBoth(self._done, realJID)

    def _alive(self, realJID):
        self.counts["alive"] += 1
        self.log.debug("{jid} answered the ping: still there", event="ping.alive",
                       jid=realJID.full())

    def _failed(self, failure, realJID):
        if failure.check(defer.CancelledError):
            return
        if failure.check(StanzaError):
            condition = failure.value.condition
            if condition == "feature-not-implemented" or (
                    condition == "service-unavailable" and self.unavailableIsAlive):
                self._alive(realJID)
                return
            reason = "the ping was answered with %s" % (condition,)
        elif failure.check(defer.TimeoutError):
            reason = "the ping was not answered in %g seconds" % (self.timeout,)
        else:
            return failure
        self.counts["gone"] += 1
        self.log.info("{jid} is gone: {reason}; removed from its rooms", event="occupant.gone",
                      jid=realJID.full(), reason=reason)
        self.host.removeGone(realJID, "Your connection to the room was lost: " + reason)

    def _done(self, result, realJID):
        del self._outstanding[realJID]
        self._sendQueued()

    # IMeasured

    def measures(self):
        yield Measure("pings_sent", COUNTER, "Pings sent to occupants that may be gone.",
                      self.counts["sent"])
        for outcome, help in (("alive", "Pings answered: the occupant is still there."),
                              ("gone", "Pings that found the occupant gone (it was removed).")):
            yield Measure("pings_" + outcome, COUNTER, help, self.counts[outcome])
        yield Measure("pings_pending", GAUGE, "Pings scheduled, queued or awaiting an answer.",
                      len(self._scheduled) + len(self._queued) + len(self._outstanding))


def _seconds(settings, name, default):
    value = settings.get(name, default)
    return default if value is None else float(value)


def makeXMPPPinger(argstring, context):
    settings = context.settings
    return XMPPPinger(
        context.reactor,
        delay=_seconds(settings, "ping-delay", 60),
        timeout=_seconds(settings, "ping-timeout", 30),
        concurrency=int(settings.get("ping-concurrency") or 100),
        idle=_seconds(settings, "ping-idle", 0),
        unavailableIsAlive=settings.get("ping-service-unavailable") == "alive")
