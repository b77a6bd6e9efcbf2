"""
An occupant's sessions and the presence each sent
(L{mucservice.room.occupant.Occupant}): the latest session's presence is the
one shown, whatever order sessions come, change and go in, and an occupant
of one session keeps no table for it.
"""

import gc
import random
import sys
from collections import OrderedDict

from twisted.trial.unittest import SynchronousTestCase

from mucservice.address import parseJID as JID
from mucservice.room.occupant import Occupant
from mucservice.room.roles import PARTICIPANT

USER = JID("juliet@example.org")
PHONE, DESK = (JID("juliet@example.org/" + r) for r in ("phone", "desk"))


def occupant():
    return Occupant("juliet", USER, PARTICIPANT)


class SessionsTests(SynchronousTestCase):
    def test_oneSession(self):
        o = occupant()
        o.setPayload(PHONE, "<show>away</show>")
        self.assertEqual((PHONE,), o.sessions)
        self.assertEqual(("<show>away</show>", PHONE), o.shown())

    def test_latestShown(self):
        """
        The session whose presence came last is shown, even if it was
        there before; its presence replaces its earlier one.
        """
        o = occupant()
        o.setPayload(PHONE, "<status>p1</status>")
        o.setPayload(DESK, "<status>d</status>")
        self.assertEqual(("<status>d</status>", DESK), o.shown())
        o.setPayload(PHONE, "<status>p2</status>")
        self.assertEqual((DESK, PHONE), o.sessions)
        self.assertEqual(("<status>p2</status>", PHONE), o.shown())

    def test_latestLeaves(self):
        """
        When the latest session leaves, the one before it is shown again,
        with its own presence.
        """
        o = occupant()
        o.setPayload(PHONE, "<status>p</status>")
        o.setPayload(DESK, "<status>d</status>")
        o.removeSession(DESK)
        self.assertEqual((PHONE,), o.sessions)
        self.assertEqual(("<status>p</status>", PHONE), o.shown())
        o.removeSession(PHONE)
        self.assertEqual((), o.sessions)
        self.assertEqual("", o.payload)

    def test_removeUnknownSession(self):
        o = occupant()
        o.setPayload(PHONE, "<status>p</status>")
        o.removeSession(DESK)
        self.assertEqual(("<status>p</status>", PHONE), o.shown())

    def test_asAModel(self):
        """
        Through random sessions coming, changing and going, the occupant
        answers as an ordered table of session to presence, the latest
        last.
        """
        rng = random.Random(15)
        sessions = [JID("juliet@example.org/r%d" % n) for n in range(4)]
        o, model = occupant(), OrderedDict()
        for step in range(3000):
            realJID = rng.choice(sessions)
            if rng.random() < 0.4:
                o.removeSession(realJID)
                model.pop(realJID, None)
            else:
                payload = "<status>%d</status>" % step
                o.setPayload(realJID, payload)
                model.pop(realJID, None)
                model[realJID] = payload
            self.assertEqual(tuple(model), o.sessions)
            self.assertEqual(next(reversed(model.values()), ""), o.payload)

    def test_oneSessionNoTable(self):
        """
        An occupant of one session (nearly all of them) keeps it without a
        table, and no occupant id of its own (the room makes it when asked):
        the occupant and its sessions take at most 160 bytes, where a
        dictionary of one session took 224 alone.
        """
        o = occupant()
        o.setPayload(PHONE, "")
        o.setPayload(DESK, "")
        o.removeSession(PHONE)
        holds = {id(x) for x in (Occupant, o.nick, o.userJID, o.role, o.sessions, o.payload,
                                 None, 0)}
        self.assertEqual(set(), {id(r) for r in gc.get_referents(o)} - holds)
        self.assertLessEqual(sys.getsizeof(o) + sys.getsizeof(o.sessions), 160)
