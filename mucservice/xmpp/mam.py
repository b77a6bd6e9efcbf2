"""
Message Archive Management (XEP-0313, C{urn:xmpp:mam:2} with
C{#extended}) of rooms: queries by C{start}, C{end}, C{with},
C{before-id}, C{after-id} and C{ids}, paged with XEP-0059 (C{<max/>},
C{<after/>}, C{<before/>}) and flipped on request; the query form; the
archive's metadata.

The handler reads a query into an L{ArchiveQuery
<mucservice.records.ArchiveQuery>}, which the room service checks and runs
(L{mucservice.room.archive}); each message found goes to the asker as a
stanza of its own (L{mucservice.xmpp.archive}) through the room's lane of
the outbox, rendered as the outbox writes it, and the IQ's result, with
the C{<fin/>}, follows them in the same lane.
"""

from datetime import datetime, timezone

from mucservice import errors
from mucservice.records import ArchiveQuery
from mucservice.xmpp import archive, forms, margins, rsm
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_DATA, NS_MAM
from mucservice.xmpp.outbox import Fanout

#: The fields a query may carry; any other is C{feature-not-implemented}.
FIELDS = ("with", "start", "end", "before-id", "after-id", "ids")


def _dateTime(var, text):
    """
    @return: a XEP-0082 DateTime as a timezone-aware L{datetime} (UTC if it
        names no zone).
    @raise errors.BadRequest: C{text} is none.
    """
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise errors.BadRequest("%s is not a date and time: %r" % (var, text))
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def parseQuery(query):
    """
    @param query: the C{<query xmlns='urn:xmpp:mam:2'/>} of a request.
    @return: the L{ArchiveQuery} (its C{max} L{None} if the request names
        none) and the C{with} JID, or L{None}.
    @raise errors.BadRequest: a value cannot be read.
    @raise errors.FeatureNotImplemented: the form has a field this archive
        does not know.
    """
    values = {}
    if next(query.elements(NS_DATA, "x"), None) is not None:
        for field in forms.formFrom(query, NS_MAM).fieldList:
            if field.var not in FIELDS:
                raise errors.FeatureNotImplemented("this archive knows no field %r"
                                                   % (field.var,))
            values[field.var] = [value for value in field.values if value]
    single = {var: found[0] for var, found in values.items() if found and var != "ids"}
    page = rsm.parseRequest(query)
    withJID = parseJID(single["with"]) if "with" in single else None
    ids = tuple(values["ids"]) if "ids" in values else None
    return ArchiveQuery(
        start=_dateTime("start", single["start"]) if "start" in single else None,
        end=_dateTime("end", single["end"]) if "end" in single else None,
        afterID=single.get("after-id"), beforeID=single.get("before-id"), ids=ids,
        after=page.after, before=page.before, max=page.max), withJID


def fin(page):
    """
    @param page: the L{ArchivePage<mucservice.records.ArchivePage>} sent.
    @return: the C{<fin/>} of the IQ result: whether it is complete, and
        its C{<set/>}.
    """
    entries = page.entries
    found = rsm.resultSet(page.count, entries[0].stanzaID, entries[-1].stanzaID,
                          page.firstIndex) if entries else rsm.resultSet(page.count)
    return "<fin xmlns='%s'%s>%s</fin>" % (NS_MAM, " complete='true'" if page.complete else "",
                                           found)


class ArchiveHandler(RoomHandler):
    """
    Answers the XEP-0313 IQs to a room.
    """

    iqHandlers = {
        "/iq[@type='get']/query[@xmlns='%s']" % (NS_MAM,): "queryForm",
        "/iq[@type='set']/query[@xmlns='%s']" % (NS_MAM,): "query",
        "/iq[@type='get']/metadata[@xmlns='%s']" % (NS_MAM,): "metadata",
    }

    def queryForm(self, iq, fromJID, toJID):
        self.rooms.archivedRoom(fromJID, toJID)
        return "<query xmlns='%s'>%s</query>" % (NS_MAM, archive.QUERY_FORM)

    def query(self, iq, fromJID, toJID):
        """
        Run a query; send each message found, then answer with the C{<fin/>}.
        """
        query = next(iq.elements(NS_MAM, "query"))
        queryID = query.getAttribute("queryid")
        margins.checkQueryID(queryID)
        flip = next(query.elements(NS_MAM, "flip-page"), None) is not None
        archiveQuery, withJID = parseQuery(query)
        d = self.rooms.queryArchive(fromJID, toJID, archiveQuery, withJID)
        return d.addCallback(self.send, fromJID, queryID, flip)

    def send(self, result, fromJID, queryID, flip):
        """
        Hand the outbox the messages found, in the room's lane, rendered as
        they are written.

        @param result: an L{ArchiveResult<mucservice.room.outcomes.ArchiveResult>}.
        @return: the C{<fin/>}, which the IQ's result carries after them.
        """
        room, page = result.room, result.page
        entries = list(reversed(page.entries) if flip else page.entries)
        to = fromJID.full()
        self.sendText(Fanout(room.jid, (
            archive.resultTemplate(room.jid, entry, queryID, result.showSenders).to(to)
            for entry in entries)))
        return fin(page)

    def metadata(self, iq, fromJID, toJID):
        d = self.rooms.archiveBounds(fromJID, toJID)
        return d.addCallback(lambda bounds: archive.metadata(*bounds[1:]))
