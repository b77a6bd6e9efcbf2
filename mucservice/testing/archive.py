"""
The archive part of the L{IRoomStore} contract (XEP-0313 archives of
rooms, their tombstones and their retention), as tests.
"""

import dataclasses
import random
from datetime import datetime, timedelta, timezone

from mucservice import errors
from mucservice.address import parseJID
from mucservice.records import ArchiveQuery, Retraction
from mucservice.testing.room_store import ROOM, historyEntry

#: A second room, whose messages must never show in the first one's.
OTHER = parseJID("other@muc.example.org")

#: When the entries of L{historyEntry} start.
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(seconds):
    """
    @return: the moment C{seconds} after L{EPOCH}.
    """
    return EPOCH + timedelta(seconds=seconds)


def retraction(target, n=0, moderated=True):
    """
    @return: a L{Retraction} of the message of stanza id C{target}.
    """
    return Retraction(target, at(1000 + n), "mod", "occupant-mod", "spam", moderated,
                      "retraction-%d" % (n,))


def ids(page):
    """
    @return: the stanza ids of an L{ArchivePage}'s entries.
    """
    return [entry.stanzaID for entry in page.entries]


class ArchiveContract:
    """
    Tests of the archive methods of L{IRoomStore}, mixed into a
    L{SynchronousTestCase<twisted.trial.unittest.SynchronousTestCase>} of
    their own (its store holds two rooms from the start).

    The test case provides C{makeStore()} and may provide C{reopen(store)},
    as for L{RoomStoreContract<mucservice.testing.RoomStoreContract>}.
    """

    def setUp(self):
        self.store = self.makeStore()
        for roomJID in (ROOM, OTHER):
            self.successResultOf(self.store.saveRoom(roomJID, {}))

    def reopen(self, store):
        return store

    def archive(self, *ns, room=ROOM):
        for n in ns:
            self.successResultOf(self.store.archiveMessage(room, historyEntry(n)))

    def query(self, room=ROOM, **kwargs):
        return self.successResultOf(self.reopen(self.store).queryArchive(room,
                                                                         ArchiveQuery(**kwargs)))

    def test_keepsEverything(self):
        """
        Archived messages are all kept, in order; the history is the newest
        of them; another room's are its own.
        """
        self.archive(*range(30))
        self.archive(99, room=OTHER)
        store = self.reopen(self.store)
        self.assertEqual([historyEntry(n) for n in range(27, 30)],
                         self.successResultOf(store.getHistory(ROOM, 3)))
        page = self.query(max=100)
        self.assertEqual([historyEntry(n) for n in range(30)], page.entries)
        self.assertEqual((True, 30, 0), (page.complete, page.count, page.firstIndex))
        self.assertEqual(["stanza-99"], ids(self.query(room=OTHER)))

    def test_unknownRoom(self):
        """Archiving in a room not stored fails; its archive is empty."""
        nowhere = parseJID("nowhere@muc.example.org")
        self.failureResultOf(self.store.archiveMessage(nowhere, historyEntry(1)),
                             errors.ItemNotFound)
        self.assertEqual(([], True, 0), self.pageOf(self.query(room=nowhere)))

    def pageOf(self, page):
        return page.entries, page.complete, page.count

    def test_sameStanzaID(self):
        """A message archived again with the same stanza id replaces the first: one row."""
        self.archive(1, 2)
        again = dataclasses.replace(historyEntry(1), payload="<body>again</body>")
        self.successResultOf(self.store.archiveMessage(ROOM, again))
        self.assertEqual([again, historyEntry(2)], self.query().entries)

    def test_historyAndArchive(self):
        """
        History and archive are one sequence: a message added to the
        history only is in the archive while it is in the history; when the
        history is kept short, it is forgotten, an archived message stays.
        """
        self.archive(0, 1)
        for n in (2, 3, 4):
            self.successResultOf(self.store.appendHistory(ROOM, historyEntry(n), 2))
        store = self.reopen(self.store)
        self.assertEqual([historyEntry(3), historyEntry(4)],
                         self.successResultOf(store.getHistory(ROOM, 10)))
        self.assertEqual(["stanza-0", "stanza-1", "stanza-3", "stanza-4"], ids(self.query()))

    def test_shortenedHistory(self):
        """
        Archived messages that left a shortened history stay out of it when
        it may be longer again, and stay in the archive.
        """
        self.archive(*range(5))
        self.successResultOf(self.store.trimHistory(ROOM, 2))
        self.archive(5)
        store = self.reopen(self.store)
        self.assertEqual([historyEntry(n) for n in (3, 4, 5)],
                         self.successResultOf(store.getHistory(ROOM, 10)))
        self.assertEqual(6, self.query().count)
        self.successResultOf(self.store.trimHistory(ROOM, 0))
        self.assertEqual([], self.successResultOf(self.reopen(self.store).getHistory(ROOM, 10)))
        self.assertEqual(6, self.query().count)

    def test_pagesForward(self):
        """
        Pages hold at most max messages; after names where the next starts;
        the last page is complete; count and index are of all that match.
        """
        self.archive(*range(25))
        first = self.query(max=10)
        self.assertEqual(["stanza-%d" % n for n in range(10)], ids(first))
        self.assertEqual((False, 25, 0), (first.complete, first.count, first.firstIndex))
        second = self.query(max=10, after="stanza-9")
        self.assertEqual(False, second.complete)
        self.assertIn(second.firstIndex, (None, 10))
        last = self.query(max=10, after="stanza-19")
        self.assertEqual(["stanza-%d" % n for n in range(20, 25)], ids(last))
        self.assertEqual((True, 25, 20), (last.complete, last.count, last.firstIndex))
        beyond = self.query(max=10, after="stanza-24")
        self.assertEqual(([], True, 25, None), self.pageOf(beyond) + (beyond.firstIndex,))

    def test_pagesBackward(self):
        """
        An empty before asks for the last page, before for the page just
        before a message; the page is still oldest first, and complete
        when it reaches the first message.
        """
        self.archive(*range(25))
        last = self.query(max=10, before="")
        self.assertEqual(["stanza-%d" % n for n in range(15, 25)], ids(last))
        self.assertEqual((False, 15), (last.complete, last.firstIndex))
        earlier = self.query(max=10, before="stanza-5")
        self.assertEqual(["stanza-%d" % n for n in range(5)], ids(earlier))
        self.assertEqual((True, 0), (earlier.complete, earlier.firstIndex))

    def test_largeCounts(self):
        """
        Counts stay right however many messages lie outside a query's
        bounds, and after messages are replaced, taken back and forgotten.
        """
        self.archive(*range(1200))
        self.assertEqual(1200, self.query(max=1).count)
        self.assertEqual(1190, self.query(max=1, start=at(10)).count)
        self.assertEqual(10, self.query(max=1, afterID="stanza-1189").count)
        self.assertEqual(5, self.query(max=1, start=at(1195), end=at(1199)).count)
        self.archive(3)
        self.successResultOf(self.store.retractMessage(ROOM, "stanza-4", retraction("x")))
        self.successResultOf(self.store.expireArchive(at(100), 1000))
        self.assertEqual(1100, self.query(max=1).count)
        self.successResultOf(self.store.trimHistory(ROOM, 0))
        self.assertEqual(1100, self.query(max=1, before="").count)

    def test_countOnly(self):
        """A page of max 0 only counts."""
        self.archive(*range(5))
        self.assertEqual(([], False, 5), self.pageOf(self.query(max=0)))
        self.assertEqual(([], True, 0), self.pageOf(self.query(max=0, start=at(100))))

    def test_time(self):
        """start and end keep the messages received between them, both included."""
        self.archive(*range(10))
        self.assertEqual(["stanza-3", "stanza-4", "stanza-5"],
                         ids(self.query(start=at(3), end=at(5))))
        self.assertEqual(3, self.query(start=at(3), end=at(5)).count)

    def test_sender(self):
        """
        A nick keeps what was sent under it; a real JID what its sender
        sent, a bare JID from any of its resources.
        """
        self.archive(1, 2)
        other = dataclasses.replace(historyEntry(3), realJID=parseJID("v@example.org/s"))
        self.successResultOf(self.store.archiveMessage(ROOM, other))
        self.assertEqual(["stanza-2"], ids(self.query(nick="nick2")))
        self.assertEqual(["stanza-1", "stanza-2"],
                         ids(self.query(realJID=parseJID("u@example.org"))))
        self.assertEqual(["stanza-3"], ids(self.query(realJID=parseJID("v@example.org/s"))))
        self.assertEqual([], ids(self.query(realJID=parseJID("v@example.org/other"))))

    def test_betweenIDs(self):
        """after-id and before-id bound what matches; ids pick messages."""
        self.archive(*range(10))
        page = self.query(afterID="stanza-2", beforeID="stanza-6")
        self.assertEqual(["stanza-3", "stanza-4", "stanza-5"], ids(page))
        self.assertEqual(3, page.count)
        self.assertEqual(["stanza-1", "stanza-7"],
                         ids(self.query(ids=("stanza-7", "stanza-1"))))

    def test_unknownIDs(self):
        """Every id a query names must be in the room's archive."""
        self.archive(1, 2)
        self.archive(9, room=OTHER)
        for query in ({"afterID": "stanza-9"}, {"beforeID": "x"}, {"after": "x"},
                      {"before": "stanza-9"}, {"ids": ("stanza-1", "x")}):
            self.failureResultOf(self.reopen(self.store).queryArchive(
                ROOM, ArchiveQuery(**query)), errors.ItemNotFound)

    def test_chronological(self):
        """
        The archive's order is the stamps' (then the order added), even
        where the clock went back between two messages.
        """
        late = dataclasses.replace(historyEntry(1), stamp=at(50))
        self.successResultOf(self.store.archiveMessage(ROOM, late))
        self.archive(2, 3)
        self.assertEqual(["stanza-2", "stanza-3", "stanza-1"], ids(self.query()))
        self.assertEqual(["stanza-1"], ids(self.query(after="stanza-3")))

    def test_retract(self):
        """
        A retracted message is a tombstone wherever it is read: history,
        queries, look-ups; an unknown one cannot be retracted.
        """
        self.archive(1, 2)
        self.successResultOf(self.store.retractMessage(ROOM, "stanza-1",
                                                       retraction("stanza-1")))
        tombstone = historyEntry(1).tombstone(retraction("stanza-1"))
        store = self.reopen(self.store)
        self.assertEqual([tombstone, historyEntry(2)],
                         self.successResultOf(store.getHistory(ROOM, 10)))
        self.assertEqual([tombstone, historyEntry(2)], self.query().entries)
        self.assertEqual(tombstone, self.successResultOf(store.findMessage(ROOM, "stanza-1")))
        self.assertIsNone(self.successResultOf(store.findMessage(ROOM, "stanza-9")))
        self.assertIsNone(self.successResultOf(store.findMessage(OTHER, "stanza-1")))
        self.failureResultOf(self.store.retractMessage(OTHER, "stanza-1", retraction("x")),
                             errors.ItemNotFound)

    def test_retractWithAnnouncement(self):
        """
        A tombstone and the announcement of it are one change: both, or
        neither when there is no such message; the announcement goes to
        the archive, or to the history only when given its length.
        """
        self.archive(1, 2)
        announcement = dataclasses.replace(historyEntry(3), nick="", realJID=None, payload="",
                                           occupantID=None, moderation=retraction("stanza-1"))
        self.failureResultOf(self.store.retractMessage(ROOM, "x", retraction("x"),
                                                       announcement), errors.ItemNotFound)
        self.assertEqual(["stanza-1", "stanza-2"], ids(self.query()))
        self.successResultOf(self.store.retractMessage(ROOM, "stanza-1",
                                                       retraction("stanza-1"), announcement))
        self.assertEqual([historyEntry(1).tombstone(retraction("stanza-1")), historyEntry(2),
                          announcement], self.query().entries)
        later = dataclasses.replace(announcement, stanzaID="stanza-4")
        self.successResultOf(self.store.retractMessage(ROOM, "stanza-2", retraction("stanza-2"),
                                                       later, 1))
        self.assertEqual([later], self.successResultOf(
            self.reopen(self.store).getHistory(ROOM, 10)))

    def test_announcement(self):
        """A room's own message announcing a moderation keeps what it announces."""
        announcement = dataclasses.replace(historyEntry(2), nick="", realJID=None, payload="",
                                           occupantID=None, moderation=retraction("stanza-1"))
        self.successResultOf(self.store.archiveMessage(ROOM, announcement))
        self.assertEqual([announcement], self.query().entries)

    def test_expire(self):
        """
        Expiry forgets the oldest messages of every room received before a
        moment, at most as many as asked each time.
        """
        self.archive(*range(0, 10, 2))
        self.archive(*range(1, 10, 2), room=OTHER)
        self.assertEqual(3, self.successResultOf(self.store.expireArchive(at(6), 3)))
        self.assertEqual(["stanza-4", "stanza-6", "stanza-8"], ids(self.query()))
        self.assertEqual(["stanza-3", "stanza-5", "stanza-7", "stanza-9"],
                         ids(self.query(room=OTHER)))
        self.assertEqual(3, self.successResultOf(self.store.expireArchive(at(6), 10)))
        self.assertEqual(0, self.successResultOf(self.store.expireArchive(at(6), 10)))
        self.assertEqual(["stanza-6", "stanza-8"], ids(self.query()))

    def test_deleteRoom(self):
        """A deleted room's archive is gone."""
        self.archive(1)
        self.successResultOf(self.store.deleteRoom(ROOM))
        self.successResultOf(self.store.saveRoom(ROOM, {}))
        self.assertEqual([], self.query().entries)

    def test_asTheReference(self):
        """
        Queries of every kind find what L{ArchiveQuery.select} finds over
        the same messages (stamps repeated and out of order, several
        senders); a page in the middle may go without its index.
        """
        rng = random.Random(425)
        entries = []
        for n in range(60):
            entry = dataclasses.replace(historyEntry(n), stamp=at(rng.randrange(20)),
                                        nick="nick%d" % rng.randrange(3))
            entries.append(entry)
            self.successResultOf(self.store.archiveMessage(ROOM, entry))
        names = [e.stanzaID for e in entries]
        for _ in range(200):
            query = ArchiveQuery(
                start=rng.choice([None, at(rng.randrange(20))]),
                end=rng.choice([None, at(rng.randrange(20))]),
                nick=rng.choice([None, "nick1"]),
                afterID=rng.choice([None, rng.choice(names)]),
                beforeID=rng.choice([None, None, rng.choice(names)]),
                ids=rng.choice([None, None, tuple(rng.sample(names, 8))]),
                after=rng.choice([None, rng.choice(names)]),
                before=rng.choice([None, None, "", rng.choice(names)]),
                max=rng.randrange(12))
            expected, found = query.select(entries), self.query(**vars(query))
            if found.firstIndex is None:
                expected = dataclasses.replace(expected, firstIndex=None)
            self.assertEqual(expected, found, query)

    def test_countsSmallArchives(self):
        """An archive of a few thousand messages is always counted."""
        self.archive(*range(3000))
        for query in ({}, {"nick": "nick5"}, {"start": at(1000)}, {"afterID": "stanza-1500"},
                      {"before": "stanza-2000"}):
            self.assertEqual(ArchiveQuery(max=1, **query).select(
                [historyEntry(n) for n in range(3000)]).count,
                self.query(max=1, **query).count)
