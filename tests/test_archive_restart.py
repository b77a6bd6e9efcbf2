"""
The archive and its tombstones on a real SQLite file: what a room
archived, and what was taken back, are there after a restart (or a crash)
as they were live, under the stanza ids occupants saw; a moderation that
could not be stored changes nothing.
"""

from twisted.words.protocols.jabber.jid import JID

from tests.fakeservice import errorCondition
from tests.test_mam import NS_MAM, NS_SID, child, forwarded, text
from tests.test_moderation import NS_RETRACT, moderate
from tests.test_restart import MIA, OLIVIA, ROOM, FailingRunner, RestartTestCase


class ArchiveRestartTests(RestartTestCase):
    def say(self, sender, body):
        """
        @return: the stanza id of the message C{sender} says.
        """
        out = self.send("<message from='%s' to='%s' type='groupchat'><body>%s</body></message>"
                        % (sender, ROOM, body))
        return child(out[0], NS_SID, "stanza-id")["id"]

    def archived(self, service):
        """
        @return: the messages an owner finds in the archive (not in the
            room, as after a restart).
        """
        out = self.send("<iq type='set' id='q' from='%s' to='%s'><query xmlns='%s'/></iq>"
                        % (OLIVIA, ROOM, NS_MAM), service)
        self.assertEqual("result", out[-1]["type"], out[-1].toXml())
        return [forwarded(r) for r in out[:-1]]

    def test_archiveSurvives(self):
        """
        After a restart, the archive has every message, beyond the history,
        under the stanza ids seen live.
        """
        self.makeRoom(persistentroom=1, historylength=2)
        ids = [self.say(MIA, "m%d" % n) for n in range(5)]
        again = self.assertSurvives()
        archived = self.archived(again)
        self.assertEqual(ids, [child(m, NS_SID, "stanza-id")["id"] for m in archived])
        self.assertEqual(["m%d" % n for n in range(5)], [text(m, "body") for m in archived])

    def test_moderationSurvives(self):
        """A moderation is kept: the tombstone and the announcement, even after a crash."""
        self.makeRoom(persistentroom=1)
        ids = [self.say(MIA, "m%d" % n) for n in range(3)]
        answer = self.iq(OLIVIA, "set", moderate(ids[1]))
        self.assertResult(answer)
        again = self.assertSurvives(crash=True)
        archived = self.archived(again)
        self.assertIsNone(text(archived[1], "body"))
        self.assertIsNotNone(child(archived[1], NS_RETRACT, "retracted"))
        self.assertEqual(ids[1], child(archived[3], NS_RETRACT, "retract")["id"])

    def test_ownRetractionSurvives(self):
        """An occupant's own retraction is kept with its tombstone."""
        self.makeRoom(persistentroom=1)
        target = self.say(MIA, "oops")
        self.send("<message from='%s' to='%s' type='groupchat'><retract xmlns='%s' id='%s'/>"
                  "<body>retracted</body></message>" % (MIA, ROOM, NS_RETRACT, target))
        archived = self.archived(self.assertSurvives(crash=True))
        self.assertIsNotNone(child(archived[0], NS_RETRACT, "retracted"))
        self.assertEqual("retracted", text(archived[1], "body"))

    def test_archivingSwitchedOff(self):
        """
        A room that stops archiving keeps what it archived, queried no
        more; its history goes on as before.
        """
        self.makeRoom(persistentroom=1, historylength=2)
        for n in range(3):
            self.say(MIA, "a%d" % n)
        self.configure(enablearchiving=0)
        for n in range(3):
            self.say(MIA, "h%d" % n)
        again = self.assertSurvives()
        out = self.send("<iq type='set' id='q' from='%s' to='%s'><query xmlns='%s'/></iq>"
                        % (OLIVIA, ROOM, NS_MAM), again)
        self.assertEqual("feature-not-implemented", errorCondition(out[-1]))
        self.assertEqual(["<body>h1</body>", "<body>h2</body>"],
                         [e.payload for e in again.rooms.getRoom(JID(ROOM)).history])


class FailedModerationTests(RestartTestCase):
    def setUp(self):
        RestartTestCase.setUp(self)
        self.service = self.start(roomRunner=FailingRunner)

    def test_notStored(self):
        """
        A moderation that could not be stored is internal-server-error:
        nobody is told, the message stays, live and stored.
        """
        self.makeRoom(persistentroom=1)
        out = self.send("<message from='%s' to='%s' type='groupchat'><body>kept</body>"
                        "</message>" % (MIA, ROOM))
        target = child(out[0], NS_SID, "stanza-id")["id"]
        runner = self.service.runners[0]
        runner.failing = True
        try:
            out = self.send("<iq type='set' id='m' from='%s' to='%s'>%s</iq>"
                            % (OLIVIA, ROOM, moderate(target)))
        finally:
            runner.failing = False
        self.flushLoggedErrors(OSError)
        self.assertEqual([("iq", "internal-server-error")],
                         [(s.name, errorCondition(s)) for s in out])
        self.assertEqual(["<body>kept</body>"],
                         [e.payload for e in self.service.rooms.getRoom(JID(ROOM)).history])
        self.assertSurvives(crash=True)
