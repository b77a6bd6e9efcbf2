"""
The door: what a client sends is measured as the room will render it again,
and refused before anything is kept or sent when what the room makes of it
could be larger than the link's limit (L{mucservice.xmpp.sizes}).

What a client sends comes back in the room's stanzas with the room's own
additions around it: addresses, the muc#user item with its status codes,
actor and reason, hats, the occupant id; for messages the stanza id, the
delay of history and the C{<forwarded/>} wrapper of offline copies.
L{MARGIN} is the most those additions can take. It is computed here by
rendering, with the edge's own renderers, the largest presence and the
largest message the room can make around an empty payload:

  - every address as long as RFC 7622 allows (1023 bytes for each of
    localpart, domainpart and resourcepart), with a resourcepart (a nick)
    made only of C{'}, which escaping makes six times longer (C{&apos;});
  - every status code at once, an actor, a new nick, a C{<destroy/>}, and
    two reasons of L{REASON_BUDGET} bytes;
  - L{HATS_SHOWN<mucservice.xmpp.broadcast.HATS_SHOWN>} bytes of hats in
    both hat namespaces;
  - for messages, the stanza id, occupant id and delay, the sender's real
    JID of a history message, and the offline copy's wrapper (private
    messages and IQs passed on between occupants carry less);
  - for the messages an archive query sends, the C{<result/>} and
    C{<forwarded/>} wrappers with the longest C{queryid}, the sender's real
    JID, and the tombstone of a moderation or its announcement, with a
    reason of L{REASON_BUDGET} bytes.

A client's own part of a stanza (a presence's children, a message's
children with its C{id} and C{xml:lang}) may take L{allowance} bytes: the
limit less the margin. Texts the room keeps and shows in answers that
carry several of them (room name, description, language, password,
subject, registration data) may take L{fieldBudget} bytes each: an eighth
of the allowance, so that the largest such answer (the configuration form)
stays under the limit too.
"""

from datetime import datetime, timezone

from twisted.words.protocols.jabber.jid import JID

from mucservice import errors
from mucservice.records import HistoryEntry, Retraction
from mucservice.room import roles, status
from mucservice.room.config import RoomConfig
from mucservice.room.occupant import Occupant
from mucservice.room.room import Room
from mucservice.xmpp.archive import resultTemplate
from mucservice.xmpp.broadcast import (
    HATS_SHOWN,
    PresenceBroadcast,
    delay,
    groupchatTemplate,
    senderItem,
)
from mucservice.xmpp.offline import forwardedTemplate
from mucservice.xmpp.render import quote
from mucservice.xmpp.sizes import LIMIT, utf8len

#: RFC 7622 section 3: the longest localpart, domainpart or resourcepart,
#: in bytes.
JID_PART = 1023

#: The longest reason (of a kick, a ban, a destruction, an invitation or a
#: decline) the room passes on, in bytes once escaped.
REASON_BUDGET = 4096

#: The longest hat URI, and the longest hat title, a hat command accepts, in
#: bytes once escaped.
HAT_TEXT_BUDGET = 1024

#: The longest C{queryid} of an archive query, which every message found
#: carries back, in bytes once escaped.
QUERY_ID_BUDGET = 1024

#: How many texts of L{fieldBudget} bytes the largest answer that shows kept
#: texts carries, with room to spare for its fixed parts.
FIELD_SHARE = 8

#: The smallest C{--max-stanza-size}: enough for the margin and a few KiB.
MIN_STANZA_SIZE_SLACK = 8 * 1024


def _worstJID(resource=None):
    """
    @return: the longest JID RFC 7622 allows: 1023 bytes of localpart and
        of domainpart (63-byte labels), and C{resource}.
    """
    domain = ".".join(["d" * 63] * 16)
    return JID(tuple=("l" * JID_PART, domain, resource))


def _presenceMargin():
    """
    @return: the largest presence the room renders around an empty
        payload, as its occupant's own copy (which also shows its real
        JID), in bytes.
    """
    nick = "'" * JID_PART
    user = _worstJID(nick)
    room = Room(_worstJID(), RoomConfig())
    occupant = Occupant(nick, user.userhostJID(), roles.PARTICIPANT)
    codes = [code for name, code in vars(status).items() if name.isupper()]
    reason = "r" * REASON_BUDGET
    presence = PresenceBroadcast(
        room, occupant, unavailable=True, statuses=codes, actorNick=nick, reason=reason,
        newNick=nick, destroy=(user.full(), reason), payload="", realJID=user,
        affiliation=roles.OUTCAST, role=roles.PARTICIPANT)
    # The template itself, not its text: a text over the limit would be dropped.
    template = presence._template("self", user)
    hats = 2 * (HATS_SHOWN + 64)  # each namespace's <hats/> wrapper is under 64 bytes
    return template.size + utf8len(quote(user.full())) + hats


def _messageMargin():
    """
    @return: the largest message the room renders around an empty payload,
        id and language: a history message naming its sender, or an offline
        copy forwarded, in bytes.
    """
    user = _worstJID("'" * JID_PART)
    roomJID = _worstJID()
    stamp = datetime(2000, 1, 1, tzinfo=timezone.utc)  # every stamp is as long
    entry = HistoryEntry(stamp, "'" * JID_PART, user, "", "s" * 36, "o" * 24, "", "")
    templates = (groupchatTemplate(roomJID, entry, delay(roomJID, entry.stamp) + senderItem(entry)),
                 forwardedTemplate(roomJID, entry, showSender=True))
    return max(t.size for t in templates) + utf8len(quote(user.full()))


def _archiveMargin():
    """
    @return: the largest message an archive query sends around an empty
        payload, id and language, in bytes: a message found, a tombstone of
        a moderation (which stands in place of the payload) or the room's
        announcement of one, each with the longest C{queryid} and the
        sender's real JID.
    """
    user = _worstJID("'" * JID_PART)
    roomJID = _worstJID()
    stamp = datetime(2000, 1, 1, tzinfo=timezone.utc)
    retraction = Retraction("s" * 36, stamp, "'" * JID_PART, "o" * 24, "r" * REASON_BUDGET,
                            True, "s" * 36)
    message = HistoryEntry(stamp, "'" * JID_PART, user, "", "s" * 36, "o" * 24, "", "")
    entries = (message, message.tombstone(retraction),
               HistoryEntry(stamp, "", None, "", "s" * 36, None, "s" * 36,
                            moderation=retraction))
    queryID = "q" * QUERY_ID_BUDGET
    return max(resultTemplate(roomJID, entry, queryID, True).size
               for entry in entries) + utf8len(quote(user.full()))


#: What the room's presence adds around a client's payload, at most, in bytes.
PRESENCE_MARGIN = _presenceMargin()
#: What the room's messages add around a client's payload, at most, in bytes.
MESSAGE_MARGIN = _messageMargin()
#: What a message of an archive query adds around a client's payload, at
#: most, in bytes.
ARCHIVE_MARGIN = _archiveMargin()
#: The largest of them: what the door leaves for the room's additions.
MARGIN = max(PRESENCE_MARGIN, MESSAGE_MARGIN, ARCHIVE_MARGIN)
#: The smallest C{--max-stanza-size} accepted.
MIN_STANZA_SIZE = MARGIN + MIN_STANZA_SIZE_SLACK


def allowance():
    """
    @return: the most bytes a client's own part of a stanza may take: the
        link's limit less L{MARGIN}.
    """
    return LIMIT.maxSize - MARGIN


def fieldBudget():
    """
    @return: the most bytes, once escaped, that one kept text shown in
        answers with others (room name, description, subject...) may take.
    """
    return allowance() // FIELD_SHARE


def escapedSize(text):
    """
    @return: the size of C{text} as the room writes it, escaped, in bytes:
        as L{quote} escapes it, but each C{"} counted as six bytes, as
        domish escapes it in the answers it serializes (forms, lists): for
        each character, the larger of the two.
    """
    return utf8len(quote(text)) + 5 * text.count('"') if text else 0


def fits(payload, *attributeValues):
    """
    @param payload: a stanza's children, serialized as the room keeps them.
    @param attributeValues: the values of its attributes the room renders
        again (a message's C{id} and C{xml:lang}); L{None} for absent ones.
    @return: whether what the room sends of them stays under the limit.
    """
    size = utf8len(payload) + sum(escapedSize(value) for value in attributeValues)
    return size <= allowance()


def checkPayload(payload, *attributeValues):
    """
    Refuse a stanza whose own part would make what the room sends of it
    larger than the limit.

    @param payload: as for L{fits}.
    @param attributeValues: as for L{fits}.
    @raise errors.PolicyViolation: it is too large.
    """
    if not fits(payload, *attributeValues):
        raise errors.PolicyViolation(
            "this stanza is too large: this service passes on at most %d bytes of a "
            "client's content" % (allowance(),))


def checkReason(reason):
    """
    @param reason: a reason the room passes on, or L{None}.
    @return: C{reason}.
    @raise errors.PolicyViolation: it is longer than L{REASON_BUDGET}.
    """
    if escapedSize(reason) > REASON_BUDGET:
        raise errors.PolicyViolation("a reason may take at most %d bytes" % (REASON_BUDGET,))
    return reason


def checkQueryID(queryID):
    """
    @param queryID: the C{queryid} of an archive query, or L{None}.
    @raise errors.PolicyViolation: it is longer than L{QUERY_ID_BUDGET}.
    """
    if escapedSize(queryID) > QUERY_ID_BUDGET:
        raise errors.PolicyViolation("a queryid may take at most %d bytes" % (QUERY_ID_BUDGET,))


def jidsWithin(jids):
    """
    @param jids: JIDs, in the order an answer shows them as values of a
        field.
    @return: the first of them that fit in a kept text's budget
        (L{fieldBudget}).
    """
    budget, size, shown = fieldBudget(), 0, []
    for jid in jids:
        size += escapedSize(jid.full()) + len("<value></value>")
        if size > budget:
            break
        shown.append(jid)
    return shown


def checkHat(uri, title):
    """
    @param uri: the URI of a hat given by a hat command.
    @param title: its title, or L{None}.
    @raise errors.PolicyViolation: either is longer than L{HAT_TEXT_BUDGET}.
    """
    if max(escapedSize(uri), escapedSize(title)) > HAT_TEXT_BUDGET:
        raise errors.PolicyViolation("a hat's URI and title may take at most %d bytes each"
                                     % (HAT_TEXT_BUDGET,))


def checkFields(**texts):
    """
    Refuse texts the room would keep and show in answers beside others.

    @param texts: what each is (for the error) to the text, or L{None}.
    @raise errors.PolicyViolation: one of them is longer than
        L{fieldBudget}.
    """
    budget = fieldBudget()
    for name, text in texts.items():
        if escapedSize(text) > budget:
            raise errors.PolicyViolation("the %s may take at most %d bytes" % (name, budget))
