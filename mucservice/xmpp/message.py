"""
Messages to rooms and occupants: groupchat, subject changes, private
messages, invitations and voice requests (XEP-0045 sections 7.4 to 7.8,
8.6). The handler reads each message into one call of the room service and
renders what it returns.
"""

from twisted.internet import defer

from mucservice import errors
from mucservice.room.conversation import GroupchatMessage
from mucservice.room.outcomes import VoiceRequested
from mucservice.xmpp import forms, margins, occupancy, retraction
from mucservice.xmpp.broadcast import toEveryone
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.link import copiedLang
from mucservice.xmpp.namespaces import (
    NS_ADDRESS,
    NS_CONFERENCE,
    NS_DATA,
    NS_DELAY,
    NS_FORWARD,
    NS_HINTS,
    NS_LEGACY_DELAY,
    NS_MUC_USER,
    NS_OCCUPANT_ID,
    NS_STANZA_ID,
    NS_XML,
)
from mucservice.xmpp.outbox import Fanout
from mucservice.xmpp.render import Template, attributes, childrenText, occupantIDElement, quote

#: What a client may not put into a message the room passes on (groupchat
#: and private messages alike): ids that only the room may stamp, and what
#: would claim the room's or another occupant's authority: a XEP-0297
#: <forwarded/> (any "message from room/owner" inside), a XEP-0203 <delay/>
#: or the XEP-0091 one older clients read (the room's own marks its
#: history), XEP-0033 <addresses/> (ofrom, replyto), as Prosody's and
#: ejabberd's rooms strip what could be forged.
STRIPPED = frozenset([(NS_STANZA_ID, "stanza-id"), (NS_OCCUPANT_ID, "occupant-id"),
                      (NS_MUC_USER, "x"), (NS_FORWARD, "forwarded"), (NS_DELAY, "delay"),
                      (NS_LEGACY_DELAY, "x"), (NS_ADDRESS, "addresses")])


def goesToHistory(message, retracts=False):
    """
    Whether a groupchat message belongs in the history: it has a body or a
    C{store} hint, or it C{retracts} a message (XEP-0424 wants retractions
    archived), and no C{no-store}/C{no-permanent-store} hint.
    """
    hints = {child.name for child in message.elements() if child.uri == NS_HINTS}
    if hints & {"no-store", "no-permanent-store"}:
        return False
    return message.body is not None or "store" in hints or retracts


def _reason(element):
    reason = margins.checkReason(str(element.reason)) if element.reason else None
    return "<reason>%s</reason>" % quote(reason) if reason else ""


class MessageHandler(RoomHandler):
    def connectionInitialized(self):
        self.xmlstream.addObserver("/message", self.onMessage)

    def onMessage(self, message):
        kind = message.getAttribute("type", "normal")
        if message.handled or kind == "error":
            return
        try:
            realJID = parseJID(message.getAttribute("from"))
            to = parseJID(message.getAttribute("to"))
            if to.resource:
                self.privateMessage(realJID, to, message)
            elif kind == "groupchat":
                self.groupchat(realJID, to, message)
            else:
                self.roomMessage(realJID, to, message)
        except errors.Error as e:
            self.replyError(message, e)

    # Groupchat

    def groupchat(self, realJID, roomJID, message):
        """
        A groupchat message, or a subject change: a message with a
        C{<subject/>} and neither a C{<body/>} nor a C{<thread/>} (XEP-0045
        section 8.1: with either, it is a message, reflected whole). The
        subject change is reflected with the sender's other children.
        """
        subject = None
        skipped = STRIPPED
        if message.subject is not None and message.body is None and message.thread is None:
            subject = str(message.subject)
            skipped = STRIPPED | {(message.subject.uri, "subject")}
        retracts = retraction.retractTarget(message)
        request = GroupchatMessage(childrenText(message, skipped), message.getAttribute("id"),
                                   message.getAttribute((NS_XML, "lang")),
                                   goesToHistory(message, retracts is not None), subject,
                                   len(str(message.body)) if message.body is not None else 0,
                                   retracts)
        margins.checkPayload(request.payload, request.messageID, request.lang)
        margins.checkFields(subject=subject)
        outcome = self.rooms.groupchat(realJID, roomJID, request)
        if isinstance(outcome, defer.Deferred):
            # The store fails: the message waits for its write.
            outcome.addCallbacks(self.reflect, self._refused, errbackArgs=(message,))
        elif subject is None:
            self.reflect(outcome)
        else:
            self.tellSubject(outcome)

    def reflect(self, outcome):
        self.sendText(occupancy.render(outcome), then=outcome.afterTelling)

    def _refused(self, failure, stanza):
        failure.trap(errors.Error)
        self.replyError(stanza, failure.value)

    def tellSubject(self, outcome):
        room = outcome.room
        template = Template("message", "<subject>%s</subject>%s" % (quote(room.subject),
                                                                   outcome.payload),
                            from_="%s/%s" % (room.jid.userhost(), outcome.occupant.nick),
                            type_="groupchat", id=outcome.messageID)
        self.sendText(toEveryone(room, template))

    # Private messages

    def privateMessage(self, realJID, occupantJID, message):
        """
        A private message, passed on to every session of the occupant it is
        for, from the sender's occupant JID, with its type, id and language
        (L{copiedLang}), its children but what a client may not send, and
        the sender's occupant id (XEP-0421 puts one on every message a MUC
        sends).
        """
        if message.getAttribute("type") == "groupchat":
            self.rooms.roomFor(realJID, occupantJID)
            raise errors.BadRequest("groupchat messages go to the room, not to an occupant")
        outcome = self.rooms.privateMessage(realJID, occupantJID)
        room = outcome.room
        inner = childrenText(message, STRIPPED)
        margins.checkPayload(inner, message.getAttribute("id"),
                             message.getAttribute((NS_XML, "lang")))
        inner += "<x xmlns='%s'/>%s" % (
            NS_MUC_USER, occupantIDElement(room.occupantID(outcome.sender.userJID)))
        template = Template("message", inner,
                            from_="%s/%s" % (room.jid.userhost(), outcome.sender.nick),
                            type_=message.getAttribute("type"), id=message.getAttribute("id"),
                            **{"xml:lang": copiedLang(message.getAttribute((NS_XML, "lang")))})
        self.sendText("".join(template.to(j.full()) for j in outcome.recipient.sessions))

    # Invitations and voice requests

    def roomMessage(self, realJID, roomJID, message):
        mucUser = next(message.elements(NS_MUC_USER, "x"), None)
        if mucUser is not None and mucUser.invite is not None:
            self.invite(realJID, roomJID, message, mucUser.invite)
        elif mucUser is not None and mucUser.decline is not None:
            self.decline(realJID, roomJID, mucUser.decline)
        elif next(message.elements(NS_DATA, "x"), None) is not None:
            self.voiceRequest(realJID, roomJID, message)
        else:
            self.rooms.roomFor(realJID, roomJID)
            raise errors.BadRequest("messages to a room are groupchat, invitations or "
                                    "voice requests")

    def invite(self, realJID, roomJID, message, invite):
        """
        Mediated invitation (XEP-0045 section 7.8.2): the room tells the
        invitee who invites, with the password of a protected room.
        """
        invitee = parseJID(invite.getAttribute("to") or "")
        reason = margins.checkReason(str(invite.reason)) if invite.reason else None
        d = self.rooms.invite(realJID, roomJID, invitee, reason or None)
        d.addCallbacks(self.sendInvitation, self._refused,
                       callbackArgs=(message.getAttribute("id"),), errbackArgs=(message,))

    def sendInvitation(self, outcome, messageID=None):
        """
        The invitation as the invitee gets it: with the id of the message
        that asked for it, the inviter (its occupant JID in a room that
        hides real JIDs), the reason (an empty C{<reason/>} if none was
        given), the room's password if it has one, and the same invitation
        in XEP-0249's C{<x xmlns='jabber:x:conference'/>} for clients that
        read that one.
        """
        room, reason = outcome.room, outcome.reason
        self.sendText(Fanout(room.jid, occupancy.announcements(room, outcome.announced)))
        if outcome.inviterNick is not None:
            inviter = "%s/%s" % (room.jid.userhost(), outcome.inviterNick)
        else:
            inviter = outcome.inviterJID.full()
        password = room.config.password if room.config.passwordProtected else None
        inner = "<invite%s><reason>%s</reason></invite>" % (
            attributes(**{"from": inviter}), quote(reason or ""))
        if password is not None:
            inner += "<password>%s</password>" % quote(password)
        who = inviter if outcome.inviterNick is not None else outcome.inviterJID.userhost()
        body = "%s invites you to the room %s" % (who, room.jid.full())
        conference = "<x%s/>" % attributes(xmlns=NS_CONFERENCE, jid=room.jid.full(),
                                           password=password, reason=reason)
        self.sendText(Template("message", "<body>%s</body><x xmlns='%s'>%s</x>%s"
                               % (quote(body), NS_MUC_USER, inner, conference),
                               from_=room.jid.full(), id=messageID)
                      .to(outcome.inviteeJID.full()), room.jid)

    def decline(self, realJID, roomJID, decline):
        """
        An invitee declines: the room passes it on to the one that invited
        (whom the decline names, as XEP-0045 wants, or not).
        """
        parseJID(decline.getAttribute("to") or "")
        reason = _reason(decline)
        outcome = self.rooms.decline(realJID, roomJID)
        self.sendText(Template(
            "message", "<x xmlns='%s'><decline%s>%s</decline></x>"
            % (NS_MUC_USER, attributes(**{"from": realJID.full()}), reason),
            from_=outcome.room.jid.full()).to(outcome.inviterJID.full()))

    def voiceRequest(self, realJID, roomJID, message):
        """
        A visitor asks for voice, or a moderator answers such a request.
        """
        role, nick, allow = forms.parseVoiceRequest(message)
        outcome = self.rooms.voiceRequest(realJID, roomJID, nick, allow)
        if not isinstance(outcome, VoiceRequested):
            self.sendText(occupancy.render(outcome))
            return
        form = forms.voiceRequestForm(outcome.room.jid, outcome.requester.nick,
                                      realJID).toElement().toXml()
        template = Template("message", form, from_=outcome.room.jid.full())
        self.sendText("".join(template.to(j.full())
                              for m in outcome.moderators for j in m.sessions))
