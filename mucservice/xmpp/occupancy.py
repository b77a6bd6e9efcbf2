"""
Telling a room what the room service did: each outcome of
L{mucservice.room.outcomes} rendered once, as the stanzas it takes, in
order. L{render} picks the renderer of an outcome by its kind and gives a
L{Fanout} for the room's lane of the L{Outbox
<mucservice.xmpp.outbox.Outbox>}, which writes it in bounded batches.

A renderer takes, when it is called, what the outcome says and who is to
be told (the occupants of the room then); the stanzas themselves are
rendered as the outbox writes them, each template once.
"""

import itertools

from mucservice.room import outcomes, roles
from mucservice.room.status import NICK_CHANGED
from mucservice.xmpp.broadcast import (
    PresenceBroadcast,
    groupchatTemplate,
    historyMessages,
    shownPresence,
    shownTemplate,
    subjectMessage,
    toEveryone,
)
from mucservice.xmpp.namespaces import NS_MUC_USER
from mucservice.xmpp.outbox import Fanout
from mucservice.xmpp.render import Template, attributes, quote

chain = itertools.chain.from_iterable


def occupantList(room, viewer, realJID=None, shown=None):
    """
    The presence of every other occupant whose presence the room
    broadcasts, as C{viewer} may see it.

    @param realJID: the one session of C{viewer} to send it to; all of them
        if L{None}.
    @param shown: the occupants the room shows C{viewer}, or L{None} for
        all of them (L{mucservice.room.audience}).
    @return: an iterator of the text, one piece per occupant; those who
        left meanwhile are left out.
    """
    occupants = list(room.occupants.values()) if shown is None else shown
    return _presences(room, occupants, viewer, realJID)


def _presences(room, occupants, viewer, realJID):
    # Each presence is rendered once per change (shownTemplate), and the
    # address of the session it goes to quoted once for all of them.
    to = quote(realJID.full()) if realJID is not None else None
    for occupant in occupants:
        if (occupant is not viewer and room.broadcastsPresenceOf(occupant)
                and room.occupants.get(occupant.nick) is occupant):
            template = shownTemplate(room, occupant, viewer)
            if to is not None:
                yield template.toQuoted(to)
            else:
                yield "".join(template.toEach([j.full() for j in viewer.sessions]))


def entered(outcome):
    """
    The join sequence (XEP-0045 section 7.2): first everything the newcomer
    receives, in the order it wants (the others' presence, the newcomer's
    own presence with 110, the history, the subject), then the newcomer's
    presence to the others when it changed (and to its other sessions).

    Section 7.2 orders only what the newcomer receives (the occupant list
    before its self-presence, the self-presence before the history, the
    history before the subject); when the others hear of it is not
    ordered. Telling them first would make the newcomer's join in a large
    room wait behind a copy of its presence to every occupant.
    """
    room, occupant, realJID = outcome.room, outcome.occupant, outcome.realJID
    parts = [occupantList(room, occupant, realJID, outcome.shown)]
    own = PresenceBroadcast(room, occupant, selfStatuses=outcome.statuses)
    parts.append([own.forSelf(realJID)])
    parts.append(historyMessages(room, outcome.history, realJID, room.mayDiscoverJIDs(occupant)))
    parts.append([subjectMessage(room, realJID)])
    if outcome.changed:
        shown = shownPresence(room, occupant)
        parts.append([shown.forSelf(j) for j in outcome.otherSessions])
        parts.append(shown.toRoom(selfSessions=(), occupants=outcome.audience))
    return chain(parts)


def presenceChanged(outcome):
    return shownPresence(outcome.room, outcome.occupant).toRoom(occupants=outcome.audience)


def probed(outcome):
    """
    The presence of an occupant, as the room shows it to the session that
    probed it.
    """
    presence = shownPresence(outcome.room, outcome.occupant)
    return [presence.forSession(outcome.viewer, outcome.realJID)]


def nickChanged(outcome):
    """
    Unavailable from the old nick (303, with the new one), then available
    from the new one.
    """
    room, occupant = outcome.room, outcome.occupant
    gone = PresenceBroadcast(room, occupant, unavailable=True, nick=outcome.oldNick,
                             statuses=(NICK_CHANGED,), newNick=occupant.nick)
    audience = outcome.audience
    return itertools.chain(gone.toRoom(occupants=audience),
                           shownPresence(room, occupant).toRoom(occupants=audience))


def left(outcome):
    """
    A session's unavailable presence: to everyone when the occupant is out
    (with the removal's status, if any), else to that session only (the
    others see the occupant's remaining presence).
    """
    room, occupant, realJID = outcome.room, outcome.occupant, outcome.realJID
    codes = (outcome.status,) if outcome.status is not None else ()
    presence = PresenceBroadcast(
        room, occupant, unavailable=True, statuses=codes if outcome.gone else (),
        selfStatuses=() if outcome.gone else codes, reason=outcome.reason,
        payload=outcome.payload, realJID=realJID, role=roles.NO_ROLE,
        previousRole=outcome.previousRole)
    if outcome.gone:
        return presence.toRoom(selfSessions=[realJID], occupants=outcome.audience)
    return itertools.chain([presence.forSelf(realJID)],
                           shownPresence(room, occupant).toRoom(occupants=outcome.audience))


def changed(outcome):
    """
    What administrative changes did: each occupant's new presence or its
    removal (a removed occupant's last show and status do not go with it),
    to a moderator made participant or visitor over the presence cap the
    others it no longer hears of as unavailable, the others' presence
    again to those who now see real JIDs differently (not of those that
    just left their view), occupants shown or hidden, and the status codes
    of a configuration change in a message from the room.
    """
    room = outcome.room
    occupants = list(room.occupants.values())
    unfollowed = dict(outcome.unfollowed)
    parts = []
    for effect in outcome.effects:
        occupant = effect.occupant
        parts.append(PresenceBroadcast(
            room, occupant, unavailable=effect.removed, statuses=effect.statuses,
            actorNick=effect.actorNick, reason=effect.reason,
            payload="" if effect.removed else None,
            previousRole=effect.previousRole).toRoom(occupants=occupants))
        lost = unfollowed.get(occupant, ())
        if lost:
            parts.append(_leavingView(room, lost, occupant))
        if occupant in outcome.revealed:
            if lost:
                lost = set(lost)
                parts.append(occupantList(room, occupant, shown=[
                    o for o in occupants if o not in lost]))
            else:
                parts.append(occupantList(room, occupant))
    for occupant, shown, audience in outcome.visibility:
        others = [other for other in (occupants if audience is None else audience)
                  if other is not occupant]
        parts.append(_shownTo(PresenceBroadcast(room, occupant), others, not shown))
    if outcome.statuses:
        inner = "<x xmlns='%s'>%s</x>" % (
            NS_MUC_USER, "".join("<status code='%d'/>" % c for c in outcome.statuses))
        parts.append(toEveryone(room, Template("message", inner, from_=room.jid.full(),
                                               type_="groupchat")))
    parts.append(announcements(room, outcome.announced))
    return chain(parts)


def announcements(room, announced):
    """
    Affiliation changes of users not in the room, each in a message from
    the room to every occupant that may see real JIDs, as XEP-0045 section
    9.3 shows it.

    @param announced: L{Announced<mucservice.room.outcomes.Announced>}
        changes.
    @return: an iterator of the text, one piece per change.
    """
    if not announced:
        return
    viewers = [o for o in room.occupants.values() if room.mayDiscoverJIDs(o)]
    for change in announced:
        reason = "<reason>%s</reason>" % quote(change.reason) if change.reason else ""
        item = "<item%s%s" % (attributes(affiliation=change.affiliation,
                                         jid=change.userJID.userhost()),
                              ">%s</item>" % reason if reason else "/>")
        template = Template("message", "<x xmlns='%s'>%s</x>" % (NS_MUC_USER, item),
                            from_=room.jid.full())
        yield "".join(template.to(j.full()) for o in viewers for j in o.sessions)


def _leavingView(room, others, viewer):
    """
    @return: an iterator of the unavailable presence of each of C{others}
        for C{viewer}, as each leaves its view.
    """
    return (PresenceBroadcast(room, other).forOccupant(viewer, hidden=True) for other in others)


def _shownTo(presence, recipients, hidden):
    """
    @return: an iterator of C{presence} for each of C{recipients}, as the
        occupant entering their view or, if C{hidden}, leaving it.
    """
    return (presence.forOccupant(recipient, hidden=hidden) for recipient in recipients)


def destroyed(outcome):
    """
    Every former occupant gets only its own unavailable presence, carrying
    the C{<destroy/>}; nobody has an affiliation with a destroyed room.
    """
    for occupant in list(outcome.occupants):
        presence = PresenceBroadcast(outcome.room, occupant, unavailable=True,
                                     destroy=(outcome.alternate, outcome.reason), payload="",
                                     affiliation=roles.NONE)
        yield "".join(presence.forSelf(realJID) for realJID in occupant.sessions)


def reflected(outcome):
    return toEveryone(outcome.room, groupchatTemplate(outcome.room.jid, outcome.entry))


RENDERERS = {
    outcomes.Entered: entered,
    outcomes.PresenceChanged: presenceChanged,
    outcomes.NickChanged: nickChanged,
    outcomes.Left: left,
    outcomes.Probed: probed,
    outcomes.Changed: changed,
    outcomes.Destroyed: destroyed,
    outcomes.Reflected: reflected,
}


def render(outcome):
    """
    @param outcome: an outcome of the room service, or L{None} (nothing
        happened).
    @return: a L{Fanout} of every stanza it takes, for the room's lane; or
        C{""} for nothing.
    """
    if outcome is None:
        return ""
    return Fanout(outcome.room.jid, RENDERERS[type(outcome)](outcome))
