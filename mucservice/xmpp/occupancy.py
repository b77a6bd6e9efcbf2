"""
Telling a room what the room service did: each outcome of
L{mucservice.room.outcomes} rendered once, as the text of every stanza it
takes, for one write on the component stream. L{render} picks the renderer
of an outcome by its kind.
"""

from mucservice.room import outcomes, roles
from mucservice.room.status import NICK_CHANGED
from mucservice.xmpp.broadcast import (
    PresenceBroadcast,
    groupchatTemplate,
    historyMessages,
    subjectMessage,
    toEveryone,
)
from mucservice.xmpp.namespaces import NS_MUC_USER
from mucservice.xmpp.render import Template


def occupantList(room, viewer, realJID=None):
    """
    The presence of every other occupant whose presence the room
    broadcasts, as C{viewer} may see it.

    @param realJID: the one session of C{viewer} to send it to; all of them
        if L{None}.
    """
    others = [o for o in list(room.occupants.values())
              if o is not viewer and room.broadcastsPresenceOf(o)]
    if realJID is not None:
        return "".join(PresenceBroadcast(room, o).forSession(viewer, realJID) for o in others)
    return "".join(PresenceBroadcast(room, o).forOccupant(viewer) for o in others)


def entered(outcome):
    """
    The join sequence (XEP-0045 section 7.2): the others' presence, the
    newcomer's own presence (to the others too when it changed), the
    history, the subject.
    """
    room, occupant, realJID = outcome.room, outcome.occupant, outcome.realJID
    parts = [occupantList(room, occupant, realJID)]
    own = PresenceBroadcast(room, occupant, selfStatuses=outcome.statuses)
    if outcome.changed:
        if outcome.otherSessions:
            again = PresenceBroadcast(room, occupant)
            parts.extend(again.forSelf(j) for j in outcome.otherSessions)
        parts.append(own.toRoom(selfSessions=[realJID]))
    else:
        parts.append(own.forSelf(realJID))
    parts.append(historyMessages(room, outcome.history, realJID))
    parts.append(subjectMessage(room, realJID))
    return "".join(parts)


def presenceChanged(outcome):
    return PresenceBroadcast(outcome.room, outcome.occupant).toRoom()


def nickChanged(outcome):
    """
    Unavailable from the old nick (303, with the new one), then available
    from the new one.
    """
    room, occupant = outcome.room, outcome.occupant
    gone = PresenceBroadcast(room, occupant, unavailable=True, nick=outcome.oldNick,
                             statuses=(NICK_CHANGED,), newNick=occupant.nick)
    return gone.toRoom() + PresenceBroadcast(room, occupant).toRoom()


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
        return presence.toRoom(selfSessions=[realJID])
    return presence.forSelf(realJID) + PresenceBroadcast(room, occupant).toRoom()


def changed(outcome):
    """
    What administrative changes did: each occupant's new presence or its
    removal (a removed occupant's last show and status do not go with it),
    the others' presence again to those who now see real JIDs differently,
    occupants shown or hidden, and the status codes of a configuration
    change in a message from the room.
    """
    room = outcome.room
    parts = []
    for effect in outcome.effects:
        occupant = effect.occupant
        parts.append(PresenceBroadcast(
            room, occupant, unavailable=effect.removed, statuses=effect.statuses,
            actorNick=effect.actorNick, reason=effect.reason,
            payload="" if effect.removed else None,
            previousRole=effect.previousRole).toRoom())
        if occupant in outcome.revealed:
            parts.append(occupantList(room, occupant))
    for occupant, shown in outcome.visibility:
        presence = PresenceBroadcast(room, occupant)
        parts.extend(presence.forOccupant(other, hidden=not shown)
                     for other in room.occupants.values() if other is not occupant)
    if outcome.statuses:
        inner = "<x xmlns='%s'>%s</x>" % (
            NS_MUC_USER, "".join("<status code='%d'/>" % c for c in outcome.statuses))
        parts.append(toEveryone(room, Template("message", inner, from_=room.jid.full(),
                                               type_="groupchat")))
    return "".join(parts)


def destroyed(outcome):
    """
    Every former occupant gets only its own unavailable presence, carrying
    the C{<destroy/>}; nobody has an affiliation with a destroyed room.
    """
    parts = []
    for occupant in outcome.occupants:
        presence = PresenceBroadcast(outcome.room, occupant, unavailable=True,
                                     destroy=(outcome.alternate, outcome.reason), payload="",
                                     affiliation=roles.NONE)
        parts.extend(presence.forSelf(realJID) for realJID in occupant.realJIDs)
    return "".join(parts)


def reflected(outcome):
    return toEveryone(outcome.room, groupchatTemplate(outcome.room.jid, outcome.entry))


RENDERERS = {
    outcomes.Entered: entered,
    outcomes.PresenceChanged: presenceChanged,
    outcomes.NickChanged: nickChanged,
    outcomes.Left: left,
    outcomes.Changed: changed,
    outcomes.Destroyed: destroyed,
    outcomes.Reflected: reflected,
}


def render(outcome):
    """
    @param outcome: an outcome of the room service, or L{None} (nothing
        happened).
    @return: the text of every stanza it takes.
    """
    if outcome is None:
        return ""
    return RENDERERS[type(outcome)](outcome)
