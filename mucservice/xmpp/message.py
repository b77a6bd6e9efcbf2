"""
Messages to rooms and occupants: groupchat, subject changes, private
messages, invitations and voice requests (XEP-0045 sections 7.4 to 7.8, 8.6).
"""

import uuid

from mucservice import errors
from mucservice.records import HistoryEntry
from mucservice.xmpp import broadcast, forms, offline
from mucservice.xmpp.handler import RoomHandler, parseJID
from mucservice.xmpp.namespaces import NS_DATA, NS_HINTS, NS_XML
from mucservice.xmpp.render import Template, attributes, childrenText, quote

NS_MUC_USER = broadcast.NS_MUC_USER

#: What a client may not put into a message the room reflects: ids that
#: only the room may stamp.
STRIPPED = frozenset([(broadcast.NS_STANZA_ID, "stanza-id"),
                      (broadcast.NS_OCCUPANT_ID, "occupant-id"),
                      (NS_MUC_USER, "x")])


def goesToHistory(message):
    """
    Whether a groupchat message belongs in the history: it has a body or a
    C{store} hint, and no C{no-store}/C{no-permanent-store} hint.
    """
    hints = {child.name for child in message.elements() if child.uri == NS_HINTS}
    if hints & {"no-store", "no-permanent-store"}:
        return False
    return message.body is not None or "store" in hints


class MessageHandler(RoomHandler):
    def connectionInitialized(self):
        self.xmlstream.addObserver("/message", self.onMessage)

    def onMessage(self, message):
        kind = message.getAttribute("type", "normal")
        if kind == "error":
            return
        try:
            realJID = parseJID(message.getAttribute("from"))
            to = parseJID(message.getAttribute("to"))
            room = self.rooms.getRoom(to)
            if room is None or (room.locked and realJID not in room.sessions):
                raise errors.ItemNotFound("no such room")
            if to.resource:
                self.privateMessage(room, realJID, to.resource, message)
            elif kind == "groupchat":
                self.groupchat(room, realJID, message)
            else:
                self.roomMessage(room, realJID, message)
        except errors.Error as e:
            self.replyError(message, e)

    # Groupchat

    def groupchat(self, room, realJID, message):
        if message.subject is not None and message.body is None:
            self.changeSubject(room, realJID, message)
            return
        occupant = room.checkGroupchat(realJID)
        stanzaID = str(uuid.uuid4())
        inner = (childrenText(message, STRIPPED)
                 + "<stanza-id xmlns='%s' id='%s' by='%s'/>"
                 % (broadcast.NS_STANZA_ID, stanzaID, quote(room.jid.full()))
                 + "<occupant-id xmlns='%s' id='%s'/>"
                 % (broadcast.NS_OCCUPANT_ID, occupant.occupantID))
        attrs = {"from": broadcast.occupantJID(room, occupant.nick), "type": "groupchat",
                 "id": message.getAttribute("id"),
                 "xml:lang": message.getAttribute((NS_XML, "lang"))}
        template = Template("message", inner, **attrs)
        self.sendText(broadcast.toEveryone(room, template))
        if goesToHistory(message):
            entry = HistoryEntry(self.now(), occupant.nick, realJID, template.unaddressed())
            room.addHistory(entry)
            self.rooms.saveHistory(room, entry)
            offline.deliver(self.rooms, room, entry)

    def changeSubject(self, room, realJID, message):
        occupant = room.checkSubjectChange(realJID)
        room.subject = str(message.subject)
        room.subjectNick = occupant.nick
        template = Template("message", "<subject>%s</subject>" % quote(room.subject),
                            from_=broadcast.occupantJID(room, occupant.nick),
                            type_="groupchat", id=message.getAttribute("id"))
        self.sendText(broadcast.toEveryone(room, template))
        self.rooms.saveSubject(room)

    # Private messages

    def privateMessage(self, room, realJID, nick, message):
        kind = message.getAttribute("type", "normal")
        if kind == "groupchat":
            raise errors.BadRequest("groupchat messages go to the room, not to an occupant")
        sender, recipient = room.checkPrivateMessage(realJID, nick)
        inner = childrenText(message, STRIPPED) + "<x xmlns='%s'/>" % NS_MUC_USER
        template = Template("message", inner, from_=broadcast.occupantJID(room, sender.nick),
                            type_=message.getAttribute("type"), id=message.getAttribute("id"),
                            **{"xml:lang": message.getAttribute((NS_XML, "lang"))})
        self.sendText("".join(template.to(j.full()) for j in recipient.sessions))

    # Invitations and voice requests

    def roomMessage(self, room, realJID, message):
        mucUser = next(message.elements(NS_MUC_USER, "x"), None)
        if mucUser is not None and mucUser.invite is not None:
            self.invite(room, realJID, mucUser)
        elif mucUser is not None and mucUser.decline is not None:
            self.decline(room, realJID, mucUser)
        elif next(message.elements(NS_DATA, "x"), None) is not None:
            self.voiceRequest(room, realJID, message)
        else:
            raise errors.BadRequest("messages to a room are groupchat, invitations or "
                                    "voice requests")

    def invite(self, room, realJID, mucUser):
        """
        Mediated invitation (XEP-0045 section 7.8.2): the room tells the
        invitee who invites, with the password of a protected room.
        """
        invite = mucUser.invite
        invitee = parseJID(invite.getAttribute("to") or "")
        entry = room.checkInvite(realJID, invitee)
        if entry is not None:
            self.rooms.saveAffiliations(room, {invitee.userhostJID(): entry})
        reason = "<reason>%s</reason>" % quote(str(invite.reason)) if invite.reason else ""
        inner = "<invite%s>%s</invite>" % (attributes(**{"from": realJID.full()}), reason)
        if room.config.passwordProtected:
            inner += "<password>%s</password>" % quote(room.config.password)
        body = "%s invites you to the room %s" % (realJID.userhost(), room.jid.full())
        self.sendText(Template("message", "<body>%s</body><x xmlns='%s'>%s</x>"
                               % (quote(body), NS_MUC_USER, inner),
                               from_=room.jid.full()).to(invitee.full()))

    def decline(self, room, realJID, mucUser):
        """
        An invitee declines: the room passes it on to the inviter.
        """
        decline = mucUser.decline
        inviter = parseJID(decline.getAttribute("to") or "")
        reason = "<reason>%s</reason>" % quote(str(decline.reason)) if decline.reason else ""
        self.sendText(Template(
            "message", "<x xmlns='%s'><decline%s>%s</decline></x>"
            % (NS_MUC_USER, attributes(**{"from": realJID.full()}), reason),
            from_=room.jid.full()).to(inviter.full()))

    def voiceRequest(self, room, realJID, message):
        """
        A visitor asks for voice, or a moderator answers such a request.
        """
        role, nick, allow = forms.parseVoiceRequest(message)
        occupant = room.sessions.get(realJID)
        if occupant is not None and occupant.role == "moderator" and nick:
            if allow:
                effect = room.setRole(realJID, nick, "participant")
                self.sendText(broadcast.PresenceBroadcast(
                    room, effect.occupant, actorNick=effect.actorNick).toRoom())
            return
        requester, moderators = room.checkVoiceRequest(realJID)
        form = forms.voiceRequestForm(room.jid, requester.nick, realJID).toElement().toXml()
        template = Template("message", form, from_=room.jid.full())
        self.sendText("".join(template.to(j.full()) for m in moderators for j in m.sessions))
