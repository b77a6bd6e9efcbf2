"""
Messages taken back, as the protocol shows them: a sender's retraction
(XEP-0424), a moderator's (XEP-0425), and the tombstones an archive keeps.

Each is read in the current namespaces (C{urn:xmpp:message-retract:1},
C{urn:xmpp:message-moderate:1}) and in the older ones wrapped in a XEP-0422
C{<apply-to/>} (C{:0}), and written in both, side by side, so that clients
of either generation understand the room:

  - the room's announcement of a moderation, from the room itself::

      <retract xmlns='urn:xmpp:message-retract:1' id='STANZA-ID'>
        <moderated xmlns='urn:xmpp:message-moderate:1' by='room@service/mod'>
          <occupant-id xmlns='urn:xmpp:occupant-id:0' id='...'/>
        </moderated>
        <reason>...</reason>
      </retract>
      <apply-to xmlns='urn:xmpp:fasten:0' id='STANZA-ID'>
        <moderated xmlns='urn:xmpp:message-moderate:0' by='room@service/mod'>
          <retract xmlns='urn:xmpp:message-retract:0'/>
          <reason>...</reason>
        </moderated>
      </apply-to>

  - a tombstone, in place of the payload of the message taken back: a
    C{<retracted/>} with C{by} and C{stamp} (and, for a moderation, the
    C{<moderated/>} details and the reason) in each namespace.

Nothing here decides: the room service does (L{mucservice.room.archive}).
"""

from mucservice import errors
from mucservice.xmpp.namespaces import (
    NS_FASTEN,
    NS_MODERATE,
    NS_MODERATE_LEGACY,
    NS_RETRACT,
    NS_RETRACT_LEGACY,
)
from mucservice.xmpp.render import attributes, occupantIDElement, quote, stamp


def _child(element, uri, name):
    return next((c for c in element.elements() if (c.uri, c.name) == (uri, name)), None)


def retractTarget(message):
    """
    @param message: a groupchat message an occupant sent.
    @return: the stanza id of the message it retracts (XEP-0424, either
        form), or L{None} if it retracts none.
    """
    retract = _child(message, NS_RETRACT, "retract")
    if retract is not None:
        return retract.getAttribute("id") or None
    applyTo = _child(message, NS_FASTEN, "apply-to")
    if applyTo is not None and _child(applyTo, NS_RETRACT_LEGACY, "retract") is not None:
        return applyTo.getAttribute("id") or None
    return None


def parseModeration(request):
    """
    Read a moderator's request (XEP-0425): C{<moderate id=...>} with a
    C{<retract/>} (C{:1}), or C{<apply-to id=...>} holding a C{<moderate/>}
    with a C{<retract/>} (C{:0}).

    @param request: the C{<moderate/>} or C{<apply-to/>} child of the IQ.
    @return: the stanza id of the message to retract and the reason (or
        L{None}).
    @raise errors.BadRequest: it names no message.
    @raise errors.FeatureNotImplemented: it asks another moderation than a
        retraction.
    """
    if request.uri == NS_FASTEN:
        moderate = _child(request, NS_MODERATE_LEGACY, "moderate")
        retract, namespace = NS_RETRACT_LEGACY, NS_MODERATE_LEGACY
    else:
        moderate = request
        retract, namespace = NS_RETRACT, NS_MODERATE
    stanzaID = request.getAttribute("id")
    if not stanzaID:
        raise errors.BadRequest("a moderation names the stanza id of a message")
    if moderate is None or _child(moderate, retract, "retract") is None:
        raise errors.FeatureNotImplemented("the only moderation here is a retraction")
    reason = _child(moderate, namespace, "reason")
    return stanzaID, (str(reason) or None) if reason is not None else None


def _by(roomJID, retraction):
    return "%s/%s" % (roomJID.userhost(), retraction.nick)


def _details(retraction):
    """
    @return: the moderator's occupant id, and the reason, as elements.
    """
    occupant = reason = ""
    if retraction.occupantID:
        occupant = occupantIDElement(retraction.occupantID)
    if retraction.reason:
        reason = "<reason>%s</reason>" % (quote(retraction.reason),)
    return occupant, reason


def announcement(roomJID, retraction):
    """
    @return: the children of the room's message that tells of a moderation.
    """
    by = quote(_by(roomJID, retraction))
    target = quote(retraction.target)
    occupant, reason = _details(retraction)
    return ("<retract xmlns='%s' id='%s'><moderated xmlns='%s' by='%s'>%s</moderated>%s"
            "</retract><apply-to xmlns='%s' id='%s'><moderated xmlns='%s' by='%s'>"
            "<retract xmlns='%s'/>%s</moderated></apply-to>"
            % (NS_RETRACT, target, NS_MODERATE, by, occupant, reason,
               NS_FASTEN, target, NS_MODERATE_LEGACY, by, NS_RETRACT_LEGACY, reason))


def tombstone(roomJID, retraction):
    """
    @return: what stands in place of the payload of a message taken back.
    """
    by = _by(roomJID, retraction)
    when = stamp(retraction.stamp)
    marks = attributes(by=by, stamp=when, id=retraction.retractionID)
    if not retraction.moderated:
        return ("<retracted xmlns='%s'%s/><retracted xmlns='%s'%s/>"
                % (NS_RETRACT, marks, NS_RETRACT_LEGACY, attributes(by=by, stamp=when)))
    occupant, reason = _details(retraction)
    return ("<retracted xmlns='%s'%s><moderated xmlns='%s'%s>%s</moderated>%s</retracted>"
            "<moderated xmlns='%s'%s>%s<retracted xmlns='%s'%s/>%s</moderated>"
            % (NS_RETRACT, marks, NS_MODERATE, attributes(by=by), occupant, reason,
               NS_MODERATE_LEGACY, attributes(by=by), occupant, NS_RETRACT_LEGACY,
               attributes(stamp=when), reason))


def content(roomJID, entry):
    """
    @param entry: a L{HistoryEntry<mucservice.records.HistoryEntry>}.
    @return: the children of the message as the room shows it: the
        sender's payload, its tombstone, or the announcement of a
        moderation.
    """
    if entry.retracted is not None:
        return tombstone(roomJID, entry.retracted)
    if entry.moderation is not None:
        return announcement(roomJID, entry.moderation)
    return entry.payload
