"""
Rendering a room's archive (XEP-0313): each message found, the metadata of
the archive, and the query form. Every message found is a stanza of its
own, from the room to the one that asked::

    <message from='room@service' to='asker'>
      <result xmlns='urn:xmpp:mam:2' queryid='...' id='STANZA-ID'>
        <forwarded xmlns='urn:xmpp:forward:0'>
          <delay xmlns='urn:xmpp:delay' from='room@service' stamp='...'/>
          <message xmlns='jabber:client' from='room@service/nick' type='groupchat' id='...'>
            payload (or tombstone), stanza id, occupant id
            <x xmlns='http://jabber.org/protocol/muc#user'><item jid='real'/></x>
          </message>
        </forwarded>
      </result>
    </message>

The C{<x/>} naming the sender's real JID is there only for those the room
lets see it (L{seesSenders<mucservice.room.archive.seesSenders>}).
L{mucservice.xmpp.margins} measures the largest of these around an empty
payload, so that what the door lets in fits here too.
"""

from mucservice.xmpp.broadcast import delay, groupchatTemplate, senderItem
from mucservice.xmpp.namespaces import (
    FEATURE_MAM_EXTENDED,
    NS_CLIENT,
    NS_DATA,
    NS_FORWARD,
    NS_MAM,
    NS_VALIDATE,
)
from mucservice.xmpp.render import Template, attributes, quote, stamp

#: The fields of the query form (XEP-0313 section 4.1.5): C{with},
#: C{start} and C{end}, and those of C{urn:xmpp:mam:2#extended}.
QUERY_FORM = (
    "<x xmlns='%s' type='form'>"
    "<field type='hidden' var='FORM_TYPE'><value>%s</value></field>"
    "<field type='jid-single' var='with'/>"
    "<field type='text-single' var='start'/>"
    "<field type='text-single' var='end'/>"
    "<field type='text-single' var='before-id'/>"
    "<field type='text-single' var='after-id'/>"
    "<field type='list-multi' var='ids'>"
    "<validate xmlns='%s' datatype='xs:string'><open/></validate></field>"
    "</x>" % (NS_DATA, NS_MAM, NS_VALIDATE))

#: What a room that archives adds to its disco#info features.
FEATURES = (NS_MAM, FEATURE_MAM_EXTENDED)


def resultTemplate(roomJID, entry, queryID=None, showSender=False):
    """
    @param entry: the archived L{HistoryEntry<mucservice.records.HistoryEntry>}.
    @param queryID: the query's C{queryid}, or L{None}.
    @param showSender: whether to name the sender's real JID.
    @return: the L{Template} of the message that carries C{entry} to the
        one that asked.
    """
    extra = senderItem(entry) if showSender else ""
    forwarded = groupchatTemplate(roomJID, entry, extra, xmlns=NS_CLIENT).unaddressed()
    inner = "<result xmlns='%s'%s><forwarded xmlns='%s'>%s%s</forwarded></result>" % (
        NS_MAM, attributes(queryid=queryID, id=entry.stanzaID), NS_FORWARD,
        delay(roomJID, entry.stamp), forwarded)
    return Template("message", inner, from_=roomJID.userhost())


def metadata(first, last):
    """
    @param first: the archive's first L{HistoryEntry
        <mucservice.records.HistoryEntry>}, or L{None} if it is empty.
    @param last: its last one.
    @return: the C{<metadata/>} of XEP-0313 section 5.
    """
    if first is None:
        return "<metadata xmlns='%s'/>" % (NS_MAM,)
    return "<metadata xmlns='%s'>%s</metadata>" % (NS_MAM, "".join(
        "<%s id='%s' timestamp='%s'/>" % (name, quote(entry.stanzaID), stamp(entry.stamp))
        for name, entry in (("start", first), ("end", last))))
