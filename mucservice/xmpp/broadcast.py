"""
Rendering what a room tells its occupants: occupant presence, reflected
messages, history and subject. Each broadcast renders each variant of its
stanza once; what goes to many recipients is an iterator of their
stanzas, one per recipient, that takes who they are when it is made and
renders them as it is iterated (the L{Outbox<mucservice.xmpp.outbox.Outbox>}
writes it in bounded batches).
"""

import itertools

from mucservice.room.hats import shownHats
from mucservice.room.status import SELF
from mucservice.xmpp import retraction
from mucservice.xmpp.link import copiedLang
from mucservice.xmpp.namespaces import (
    NS_DELAY,
    NS_HATS,
    NS_HATS_LEGACY,
    NS_MUC_USER,
    NS_STANZA_ID,
)
from mucservice.xmpp.outbox import Fanout
from mucservice.xmpp.render import Template, attributes, occupantIDElement, quote, stamp
from mucservice.xmpp.sizes import LIMIT, utf8len

#: The most bytes of C{<hat/>} elements a presence shows, in each namespace
#: it shows them in: hats are kept by the hat store, which any provider may
#: fill, so presence bounds them itself.
HATS_SHOWN = 8192


def occupantJID(room, nick):
    return "%s/%s" % (room.jid.userhost(), nick)


def _mucUser(affiliation, role, realJID, statuses, actorNick, reason, newNick, destroy):
    item = "<item%s" % attributes(affiliation=affiliation, role=role, jid=realJID, nick=newNick)
    inner = ""
    if actorNick:
        inner += "<actor%s/>" % attributes(nick=actorNick)
    if reason:
        inner += "<reason>%s</reason>" % quote(reason)
    item += ">%s</item>" % inner if inner else "/>"
    if destroy is not None:
        alternate, why = destroy
        item += "<destroy%s>%s</destroy>" % (
            attributes(jid=alternate), "<reason>%s</reason>" % quote(why) if why else "")
    item += "".join("<status code='%d'/>" % code for code in sorted(set(statuses)))
    return "<x xmlns='%s'>%s</x>" % (NS_MUC_USER, item)


#: How L{_mucUser}'s text starts.
_MUC_USER_ITEM = "<x xmlns='%s'><item " % (NS_MUC_USER,)


def _withRealJID(template, realJID):
    """
    The variant of a presence that shows the real JID, made from the one
    that does not: the same text with the C{jid} attribute that
    L{_mucUser} writes after the role. A moderator joining a semi-anonymous
    room gets this for every occupant, whose kept variant is the other.

    @param template: a presence's L{Template} without the real JID.
    @param realJID: the real JID to show, as L{str}.
    """
    tail = template.tail
    # The payload comes before L{_mucUser}'s element and may hold anything;
    # only the occupant id comes after it.
    role = tail.index(" role='", tail.rindex(_MUC_USER_ITEM)) + len(" role='")
    cut = tail.index("'", role) + 1
    return template.withTail(tail[:cut] + attributes(jid=realJID) + tail[cut:])


def hatsText(hats, legacy=False):
    """
    The XEP-0317 C{<hats/>} of an occupant: its active hats only, each with
    its title (its URI if it has none, since XEP-0317 requires a title), as
    many as fit in L{HATS_SHOWN} bytes.

    @param hats: hat URI to attachment, or L{None}.
    @param legacy: also add the same hats in Prosody 0.12's namespace.
    @return: serialized elements, or C{""} if no hat is active.
    """
    shown, size = [], 0
    for uri, title in shownHats(hats):
        hat = "<hat%s/>" % attributes(uri=uri, title=title)
        size += utf8len(hat)
        if size > HATS_SHOWN:
            break
        shown.append(hat)
    inner = "".join(shown)
    if not inner:
        return ""
    namespaces = (NS_HATS, NS_HATS_LEGACY) if legacy else (NS_HATS,)
    return "".join("<hats xmlns='%s'>%s</hats>" % (ns, inner) for ns in namespaces)


#: The key of each kind of variant, made unavailable.
_HIDDEN = {"anonymous": "hidden_anonymous", "withjid": "hidden_withjid", "self": "hidden_self"}


class KeptVariants:
    """
    The variants of an occupant's presence kept on it (C{occupant.rendered}),
    kind to L{Template} as a dict would hold them, and what they show
    (C{key}, see L{_kept}). Slots, not a dict in a tuple: some 200 bytes
    less per occupant.

    Only the kind most of the room sees is kept, shown and made unavailable
    (C{kind}: C{withjid} in a non-anonymous room, where everyone sees real
    JIDs, C{anonymous} in a semi-anonymous one): the other, for the few
    moderators of a semi-anonymous room, is made by each broadcast that
    needs it, once, and for a moderator's occupant list, from the one kept
    (L{_withRealJID}; keeping it would cost some 360 bytes per occupant for
    a few viewers). The occupant's own copies (C{self}) are rendered for
    each session and never kept.
    """

    __slots__ = ("key", "kind", "shown", "hidden")

    def __init__(self, key, kind):
        self.key = key
        self.kind = kind
        self.shown = self.hidden = None

    def get(self, kind):
        if kind == self.kind:
            return self.shown
        if kind == _HIDDEN[self.kind]:
            return self.hidden
        return None

    def __setitem__(self, kind, template):
        if kind == self.kind:
            self.shown = template
        elif kind == _HIDDEN[self.kind]:
            self.hidden = template


class PresenceBroadcast:
    """
    An occupant's presence as each kind of recipient sees it: without the
    real JID, with it, and the occupant's own copy (110 and its own
    statuses).

    @param nick: the nick it comes from (default: the occupant's).
    @param realJID: the real JID shown (default: the latest session's).
    @param affiliation: the affiliation shown (default: the occupant's).
    @param role: the role shown (default: the occupant's).
    @param previousRole: the occupant's role before the change told, if it
        changed: the others, who see the occupants of the roles the room
        broadcasts (C{presenceBroadcast}), hear of it while it has or had
        such a role, and lose it from view (unavailable) when it has one no
        longer.
    @param extra: serialized elements added after the payload.

    The occupant's active hats (from the room's cache, L{Room.hats
    <mucservice.room.room.Room.hats>}) follow, in every presence.

    Each variant the others see is rendered once, when first asked for, and
    kept; the occupant's own copy is rendered for each session it goes to.
    """

    __slots__ = ("room", "affiliation", "role", "previousRole", "occupant", "fromJID", "type",
                 "payload", "args", "statuses", "selfStatuses", "realJID", "_variants",
                 "_keptVariants")

    def __init__(self, room, occupant, unavailable=False, statuses=(), selfStatuses=(),
                 actorNick=None, reason=None, newNick=None, destroy=None, payload=None,
                 extra="", nick=None, realJID=None, affiliation=None, role=None,
                 previousRole=None):
        self.room = room
        self.affiliation = affiliation or room.affiliationOf(occupant.userJID)
        self.role = role or occupant.role
        self.previousRole = previousRole
        self.occupant = occupant
        self.fromJID = occupantJID(room, nick or occupant.nick)
        self.type = "unavailable" if unavailable else None
        self.payload = ((occupant.payload if payload is None else payload) + extra
                        + hatsText(room.hats.get(occupant.userJID), room.legacyHats))
        self.args = (actorNick, reason, newNick, destroy)
        self.statuses = tuple(statuses)
        self.selfStatuses = (SELF,) + tuple(statuses) + tuple(selfStatuses)
        if realJID is None and occupant.sessions:
            realJID = occupant.sessions[-1]
        self.realJID = realJID.full() if realJID is not None else None
        # The variants this broadcast rendered, and those kept on the
        # occupant (shownPresence), or None.
        self._variants = {}
        self._keptVariants = None

    def _template(self, kind, selfJID=None, hidden=False):
        """
        @param selfJID: for the C{self} kind, the session it goes to, whose
            own full JID it shows.
        @param hidden: make it unavailable: the occupant leaves the view.
        """
        key = _HIDDEN[kind] if hidden else kind
        template = None
        if selfJID is None:
            template = self._variants.get(key)
            if template is None and self._keptVariants is not None:
                template = self._keptVariants.get(key)
        if template is None and kind == "withjid" and selfJID is None and self.realJID:
            other = _HIDDEN["anonymous"] if hidden else "anonymous"
            anonymous = self._variants.get(other)
            if anonymous is None and self._keptVariants is not None:
                anonymous = self._keptVariants.get(other)
            if anonymous is not None:
                template = _withRealJID(anonymous, self.realJID)
        if template is None:
            if kind == "anonymous":
                realJID = None
            elif selfJID is not None:
                realJID = selfJID.full()
            else:
                realJID = self.realJID
            statuses = self.selfStatuses if kind == "self" else self.statuses
            inner = self.payload + _mucUser(self.affiliation, self.role, realJID, statuses,
                                            *self.args)
            inner += occupantIDElement(self.room.occupantID(self.occupant.userJID))
            template = Template("presence", inner, from_=self.fromJID,
                                type_="unavailable" if hidden else self.type)
            if selfJID is None:
                self._variants[key] = template
                if self._keptVariants is not None:
                    self._keptVariants[key] = template
        return template

    def forSelf(self, realJID):
        """
        @return: the occupant's own copy (110) for its session C{realJID},
            showing that session's full JID.
        """
        return self._template("self", realJID).to(realJID.full())

    def _templateFor(self, recipient, hidden=False):
        # _kindFor, spelled out: this runs for each recipient of a broadcast.
        return self._template("withjid" if self.room.mayDiscoverJIDs(recipient)
                              else "anonymous", hidden=hidden)

    def forSession(self, recipient, realJID):
        """
        @return: the text for one session of the occupant C{recipient}.
        """
        if recipient is self.occupant:
            return self.forSelf(realJID)
        return self._templateFor(recipient).to(realJID.full())

    def forOccupant(self, recipient, hidden=False):
        """
        @param hidden: for others than the occupant: make it unavailable.
        @return: the text for every session of the occupant C{recipient}.
        """
        if recipient is self.occupant:
            return "".join(self.forSelf(j) for j in recipient.sessions)
        template = self._templateFor(recipient, hidden)
        sessions = recipient.sessions
        if len(sessions) == 1:  # most occupants: no join of one piece
            return template.to(sessions[0].full())
        return "".join(template.to(j.full()) for j in sessions)

    def _toOthers(self):
        """
        @return: whether the others hear of it, and whether as the occupant
            leaving their view.
        """
        broadcast = self.room.config.presenceBroadcast
        shown = self.room.broadcastsPresenceOf(self.occupant)
        before = self.previousRole or self.occupant.role
        if self.type:
            return before in broadcast, False
        return shown or before in broadcast, not shown

    def toRoom(self, selfSessions=None, occupants=None):
        """
        @param selfSessions: the occupant's own sessions to send to (default:
            all of them, even if the occupant is no longer in the room;
            none for C{()}: a join tells the newcomer first).
        @param occupants: the room's occupants, as a list taken now, for
            broadcasts that share one (default: taken here).
        @return: an iterator of the text for every occupant of the room now,
            one piece per occupant, the occupant itself last, as XEP-0045
            wants the self-presence after the others.
        """
        toOthers, hidden = self._toOthers()
        if not toOthers:
            occupants = []
        elif occupants is None:
            occupants = list(self.room.occupants.values())
        sessions = list(self.occupant.sessions if selfSessions is None else selfSessions)
        return itertools.chain((self.forOccupant(r, hidden) for r in occupants
                                if r is not self.occupant),
                               (self.forSelf(j) for j in sessions))


def _kindFor(room, viewer):
    """
    @param viewer: the occupant that sees the presence, or L{None} for what
        most of the room sees (any participant's view).
    @return: the kind of variant C{viewer} gets: C{withjid} or
        C{anonymous}.
    """
    return "withjid" if room.mayDiscoverJIDs(viewer) else "anonymous"


def _kept(room, occupant):
    """
    The variants of the occupant's presence as the others see it now, kept
    in C{occupant.rendered} with what they show, and forgotten when that
    changes.

    Whether it changed is asked of what it shows, not told by whatever
    changed it: the nick, the role, the affiliation, the latest session
    (the real JID shown) and its payload (show, status, what clients add),
    the hats, the hats' namespaces and the link's size limit. The rest of
    what a presence shows is the occupant's for good (its occupant id, the
    room's JID) or not in the variants kept: the occupant's own copy (110)
    is rendered for its session each time.

    Over a room's presence cap, the presence of a participant or visitor
    that is not announced (L{mucservice.room.audience}) goes only to the
    moderators and its own sessions, and no newcomer but a moderator gets
    it: it is rendered when needed and not kept (a room of 10,000 would
    keep some 7 MB for nothing).

    @return: the L{KeptVariants}, or L{None} if none are kept.
    """
    if not room.announced(occupant):
        occupant.rendered = None
        return None
    sessions = occupant.sessions
    key = (occupant.nick, occupant.role, room.affiliationOf(occupant.userJID),
           sessions[-1] if sessions else None, occupant.payload,
           room.hats.get(occupant.userJID), room.legacyHats, LIMIT.maxSize)
    kind = _kindFor(room, None)
    rendered = occupant.rendered
    if rendered is not None and rendered.key == key and rendered.kind == kind:
        return rendered
    occupant.rendered = KeptVariants(key, kind)
    return occupant.rendered


def shownPresence(room, occupant):
    """
    The occupant's presence as it is now, each variant of which the others
    see rendered once each time it changes and reused until it changes
    again (by every broadcast of it and for every later newcomer,
    L{shownTemplate}), so that a join does not render the whole room
    again.

    @return: a L{PresenceBroadcast}.
    """
    return _withVariants(room, occupant, _kept(room, occupant))


def _withVariants(room, occupant, variants):
    presence = PresenceBroadcast(room, occupant)
    presence._keptVariants = variants
    return presence


def shownTemplate(room, occupant, viewer):
    """
    @return: the L{Template} of the occupant's presence as it is now, for
        another occupant C{viewer} (with the real JID or without, as it may
        see it), rendered only if it changed since it was last (see
        L{shownPresence}).
    """
    kind = _kindFor(room, viewer)
    variants = _kept(room, occupant)
    template = variants.get(kind) if variants is not None else None
    if template is None:
        if (kind == "withjid" and variants is not None and variants.kind == "anonymous"
                and variants.shown is not None and occupant.sessions):
            # A moderator of a semi-anonymous room, the kept variant the other.
            template = _withRealJID(variants.shown, occupant.sessions[-1].full())
        else:
            template = _withVariants(room, occupant, variants)._template(kind)
    return template


def subjectMessage(room, recipient):
    """
    The subject as a newcomer receives it last in the join sequence (an
    empty C{<subject/>} when there is none).
    """
    fromJID = occupantJID(room, room.subjectNick) if room.subjectNick else room.jid.full()
    subject = "<subject>%s</subject>" % quote(room.subject) if room.subject else "<subject/>"
    return Template("message", subject, from_=fromJID, type_="groupchat").to(recipient.full())


def groupchatTemplate(roomJID, entry, extra="", xmlns=None):
    """
    A groupchat message as the room reflects it: from the sender's occupant
    JID, with the sender's id, language and payload, and the room's stanza
    id (XEP-0359) and the sender's occupant id (XEP-0421). The language is
    left out when it is the component stream's (L{copiedLang}, 14 bytes
    less to every occupant): the copy inherits it from the stream, or from
    the message it travels in (RFC 6120 section 4.7.4; Prosody stamps it
    back on every stanza without one). A message taken
    back shows its tombstone instead of its payload; the room's own
    announcement of a moderation comes from the room
    (L{mucservice.xmpp.retraction}).

    @param roomJID: the room's JID.
    @param entry: the message, a L{HistoryEntry<mucservice.records.HistoryEntry>}.
    @param extra: serialized elements to add last (a delay).
    @param xmlns: a namespace to declare, for a message that travels inside
        another one.
    @return: a L{Template}.
    """
    room = roomJID.userhost()
    inner = retraction.content(roomJID, entry)
    if entry.stanzaID is not None:
        inner += "<stanza-id xmlns='%s' id='%s' by='%s'/>" % (
            NS_STANZA_ID, quote(entry.stanzaID), quote(room))
    if entry.occupantID is not None:
        inner += occupantIDElement(entry.occupantID)
    return Template("message", inner + extra, xmlns=xmlns,
                    **{"from": "%s/%s" % (room, entry.nick) if entry.nick else room,
                       "type": "groupchat",
                       "id": entry.messageID,
                       "xml:lang": copiedLang(entry.lang)})


def delay(roomJID, when):
    """
    @return: the XEP-0203 C{<delay/>} of something the room received at
        C{when}.
    """
    return "<delay xmlns='%s' from='%s' stamp='%s'/>" % (NS_DELAY, quote(roomJID.userhost()),
                                                        stamp(when))


def senderItem(entry):
    """
    @param entry: a L{HistoryEntry<mucservice.records.HistoryEntry>}.
    @return: the C{<x xmlns='...muc#user'><item jid=.../></x>} naming the
        real JID of the one who sent it, for those who may see it (the
        history and archive of a non-anonymous room: clients decrypting
        OMEMO history need it); C{""} where the room does not know it.
    """
    if entry.realJID is None:
        return ""
    return "<x xmlns='%s'><item%s/></x>" % (NS_MUC_USER, attributes(jid=entry.realJID.full()))


def historyMessages(room, entries, recipient, showSenders=False):
    """
    Discussion history for a newcomer, each message stamped by the room.

    @param showSenders: whether the newcomer may see real JIDs in the room
        (L{Room.mayDiscoverJIDs<mucservice.room.room.Room.mayDiscoverJIDs>}),
        and so learns who sent each message (L{senderItem}).
    """
    to = recipient.full()
    return (groupchatTemplate(room.jid, entry, delay(room.jid, entry.stamp)
                              + (senderItem(entry) if showSenders else "")).to(to)
            for entry in list(entries))


def toEveryone(room, template):
    """
    @return: a L{Fanout} of C{template} for every session in the room now.
    """
    return Fanout(room.jid, template.toEach([j.full() for j in room.sessions]))
