"""
Moderated message retraction (XEP-0425): a moderator asks the room, in an
IQ, to take back a message by its stanza id; the room tells everyone and
keeps a tombstone (L{mucservice.room.archive}). Both the current request
(C{<moderate xmlns='urn:xmpp:message-moderate:1'/>}) and the older one
wrapped in C{<apply-to xmlns='urn:xmpp:fasten:0'/>} are answered; the
forms are in L{mucservice.xmpp.retraction}.
"""

from mucservice.xmpp import margins, occupancy, retraction
from mucservice.xmpp.handler import RoomHandler
from mucservice.xmpp.namespaces import NS_FASTEN, NS_MODERATE


class ModerationHandler(RoomHandler):
    """
    Answers a moderation once the room has stored it and told it: with an
    empty result, or C{forbidden} (not a moderator), C{item-not-found} (no
    such message) or another error.
    """

    iqHandlers = {
        "/iq[@type='set']/moderate[@xmlns='%s']" % (NS_MODERATE,): "moderate",
        "/iq[@type='set']/apply-to[@xmlns='%s']" % (NS_FASTEN,): "moderate",
    }

    def moderate(self, iq, fromJID, toJID):
        request = next(child for child in iq.elements()
                       if (child.uri, child.name) in ((NS_MODERATE, "moderate"),
                                                      (NS_FASTEN, "apply-to")))
        stanzaID, reason = retraction.parseModeration(request)
        margins.checkReason(reason)
        d = self.rooms.moderate(fromJID, toJID, stanzaID, reason)
        return d.addCallback(lambda outcome: self.sendText(occupancy.render(outcome),
                                                           then=outcome.afterTelling))
