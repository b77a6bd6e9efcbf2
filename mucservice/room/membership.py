"""
Membership: registering with a room (XEP-0045 section 7.10), invitations
(section 7.8) and voice requests (section 8.6). Mixed into L{Room
<mucservice.room.room.Room>}, beside L{Administration
<mucservice.room.administration.Administration>}, whose plans and
affiliation changes it uses.
"""

from mucservice import errors
from mucservice.records import Affiliation
from mucservice.room import nicks, roles
from mucservice.room.administration import AffiliationPlan


class Membership:
    # Registration (section 7.10)

    def planRegistration(self, userJID, nick, data=None):
        """
        Check a registration: C{nick} reserved for C{userJID}, which becomes
        a member if it was none.

        @param nick: the nick as submitted; it is kept as L{nicks.storedNick}
            makes it.
        @param data: more registration fields to keep with the affiliation.
        @return: an L{AffiliationPlan}.
        @raise errors.Forbidden: the user is banned.
        @raise errors.Conflict: the nick is someone else's.
        @raise errors.JIDMalformed: the nick is no valid nick.
        """
        nick = nicks.storedNick(nick)
        userJID = userJID.userhostJID()
        affiliation = self.affiliationOf(userJID)
        if affiliation == roles.OUTCAST:
            raise errors.Forbidden("you are banned from this room")
        if self.config.membersOnly and affiliation == roles.NONE:
            raise errors.RegistrationRequired("only members may register in this room")
        self.checkNickFree(nick, userJID)
        entry = self.affiliations.get(userJID)
        kept = entry.affiliation if entry and entry.affiliation != roles.NONE else roles.MEMBER
        plan = AffiliationPlan({userJID: self.newEntry(userJID, kept, nick, data)})
        if kept != affiliation:
            plan.told.add(userJID)
        return plan

    def planUnregistration(self, userJID):
        """
        Check a cancelled registration: members become none (and leave a
        members-only room, 321); admins and owners keep their affiliation
        and lose their reserved nick.

        @return: an L{AffiliationPlan}.
        @raise errors.ItemNotFound: the user is not registered.
        """
        userJID = userJID.userhostJID()
        entry = self.affiliations.get(userJID)
        if entry is None or entry.affiliation == roles.OUTCAST:
            raise errors.ItemNotFound("you are not registered in this room")
        if entry.affiliation == roles.MEMBER:
            return AffiliationPlan({userJID: None}, {userJID})
        return AffiliationPlan({userJID: Affiliation(entry.affiliation, {})})

    def register(self, userJID, nick, data=None):
        """
        Check and apply a registration at once.

        @return: an L{AffiliationOutcome}.
        """
        return self.applyAffiliations(self.planRegistration(userJID, nick, data))

    def unregister(self, userJID):
        """
        Check and apply a cancelled registration at once.

        @return: an L{AffiliationOutcome}.
        """
        return self.applyAffiliations(self.planUnregistration(userJID))

    # Invitations and voice (sections 7.8 and 8.6)

    def planInvite(self, actorJID, inviteeJID):
        """
        May this occupant invite? In members-only rooms, admins and owners
        may, and with C{allowInvites} every participant, which makes the
        invitee a member.

        @return: an L{AffiliationPlan} making the invitee a member, or
            L{None} if membership is unchanged.
        """
        actor = self.occupantOf(actorJID)
        if not self.config.membersOnly:
            return None
        if self.affiliationOf(actor.userJID) in (roles.OWNER, roles.ADMIN):
            grant = True
        elif self.config.allowInvites and actor.role != roles.VISITOR:
            grant = True
        else:
            raise errors.Forbidden("only admins may invite to this members-only room")
        inviteeJID = inviteeJID.userhostJID()
        if grant and self.affiliationOf(inviteeJID) == roles.NONE:
            return AffiliationPlan({inviteeJID: self.newEntry(inviteeJID, roles.MEMBER)},
                                   {inviteeJID})
        return None

    def checkVoiceRequest(self, actorJID):
        """
        @return: the requesting occupant and the moderators to ask.
        @raise errors.NotAcceptable: the requester is not a visitor.
        """
        actor = self.occupantOf(actorJID)
        if actor.role != roles.VISITOR:
            raise errors.NotAcceptable("only visitors request voice")
        return actor, [o for o in self.occupants.values() if o.role == roles.MODERATOR]
