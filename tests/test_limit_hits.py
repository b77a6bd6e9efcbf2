"""
Limits that refuse something are counted by option and logged, once a
minute at most per limit and user.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import pathlib
import re

from twisted.logger import capturedLogs, formatEvent
from twisted.trial.unittest import SynchronousTestCase

from mucservice import tap
from mucservice.room import limits
from mucservice.room.limithits import QUIET_INTERVAL
from tests.fakeservice import NS_MUC, FakeService

ROOM = "room@muc.example.org"


def hits(events):
    return [formatEvent(e) for e in events if e.get("event") == "limit.hit"]


class LimitHitTests(SynchronousTestCase):
    def setUp(self):
        self.service = FakeService("--message-rate", "2/10", "--max-body-length", "5")
        self.service.join("olivia@example.org/desk", ROOM + "/olivia")

    def say(self, body="hi"):
        return self.service.send("<message type='groupchat' from='olivia@example.org/desk' "
                                 "to='%s'><body>%s</body></message>" % (ROOM, body))

    def test_countedAndLoggedOnce(self):
        """
        A flood over --message-rate counts every refusal, and logs the first
        (naming the option, the user and the room) and no other within a
        minute; after it, the next is logged again.
        """
        with capturedLogs() as events:
            for _ in range(12):
                self.say()
            self.assertEqual(10, self.service.rooms.limits.hits.counts["message-rate"])
            (line,) = hits(events)
            self.assertIn("the limit --message-rate refused olivia@example.org/desk in "
                          "room@muc.example.org", line)
            self.service.reactor.advance(QUIET_INTERVAL)
            self.say()
            self.say()
            self.say()
            self.assertEqual(2, len(hits(events)))

    def test_eachLimitByName(self):
        """Each limit is logged under the name of its own option."""
        with capturedLogs() as events:
            self.say("far too long")
        (line,) = hits(events)
        self.assertIn("--max-body-length", line)
        self.assertEqual({"max-body-length": 1}, dict(self.service.rooms.limits.hits.counts))

    def test_joinRate(self):
        """A join over --join-rate is a hit of it, for the session that joined."""
        service = FakeService("--join-rate", "1/60")
        service.join("gus@example.org/x", ROOM + "/gus")
        with capturedLogs() as events:
            service.send("<presence from='gus@example.org/x' to='other@muc.example.org/gus'>"
                         "<x xmlns='%s'/></presence>" % (NS_MUC,))
        (line,) = hits(events)
        self.assertIn("--join-rate refused gus@example.org/x", line)


def test_namesAreOptions():
    """Every limit the limits name in a hit is an option of twistd mucservice."""
    source = pathlib.Path(limits.__file__).read_text()
    named = set(re.findall(r'"((?:max|[a-z]+)-[a-z-]+)"', source))
    options = {name for name, _, _ in tap.LIMIT_OPTIONS}
    assert len(named) >= 10
    assert named <= options, named - options
