"""
The hats (XEP-0317) worn in a room, as the room keeps them: a cache of the
hat store, read whenever presence is rendered. Mixed into L{Room
<mucservice.room.room.Room>}.
"""

from mucservice.room import roles


class WornHats:
    """
    Expects of the class it is mixed into: C{hats}, a L{dict} of bare JID to
    the user's hats (hat URI to attachment, as from L{IHatStore.getUserHats
    <mucservice.interfaces.IHatStore.getUserHats>}), and C{affiliationOf}.
    """

    def managesHats(self, userJID):
        """
        Whether C{userJID} may give and take hats here: owners and admins
        (service administrators are owners of every room).
        """
        return self.affiliationOf(userJID) in (roles.OWNER, roles.ADMIN)

    def knownHats(self):
        """
        @return: every hat worn in the room, URI to its title (L{None} if no
            wearer gave it one).
        """
        known = {}
        for worn in self.hats.values():
            for uri, attachment in worn.items():
                if not known.get(uri):
                    known[uri] = attachment.get("title")
        return known

    def setHats(self, userJID, hats):
        """
        Keep in the cache what the hat store says a user wears now.

        @param hats: hat URI to attachment; empty if none.
        @return: whether that changed what presence shows of the user's
            hats (L{shownHats}).
        """
        userJID = userJID.userhostJID()
        before = shownHats(self.hats.get(userJID))
        if hats:
            self.hats[userJID] = {uri: dict(a) for uri, a in hats.items()}
        else:
            self.hats.pop(userJID, None)
        return shownHats(hats) != before


def shownHats(hats):
    """
    @param hats: hat URI to attachment, or L{None}.
    @return: what presence shows of them: the active ones, with their
        titles (the URI for a hat without one, as XEP-0317 requires a title).
    """
    return tuple((uri, attachment.get("title") or uri)
                 for uri, attachment in (hats or {}).items() if attachment.get("active"))
