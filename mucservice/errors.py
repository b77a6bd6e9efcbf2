"""
Domain errors.

The room logic and the providers raise these plain exceptions; they know
nothing of XML. Only the protocol edge (L{mucservice.xmpp.errors}) turns them
into XMPP stanza errors, through one table. The class names follow the
RFC 6120 conditions they map to, so that a provider author can tell what
the client will see.
"""


class Error(Exception):
    """
    Base class of every domain error.

    The first argument, if any, is a human-readable explanation; the edge
    sends it as the stanza error's text.

    @ivar byService: whether the service itself refuses, not one of its
        rooms (there is no such room, or none may be made): the edge names
        the service as the one that generated the error (RFC 6120 section
        8.3.2), and the room otherwise.
    """

    def __init__(self, *args, byService=False):
        Exception.__init__(self, *args)
        self.byService = byService

    @property
    def text(self):
        return self.args[0] if self.args else None


class BadRequest(Error):
    """The request is malformed or a value is not acceptable (e.g. a hat id that is no URI)."""


class Conflict(Error):
    """The request collides with existing state (e.g. a nick taken by someone else)."""


class Forbidden(Error):
    """The requester lacks the privilege (e.g. banned, or not an owner)."""


class FeatureNotImplemented(Error):
    """The request is known but not served here (e.g. the archive of a room that keeps none)."""


class ItemNotFound(Error):
    """The addressed room, user or item does not exist here."""


class JIDMalformed(Error):
    """An address does not pass the JID syntax rules (nodeprep, resourceprep)."""


class NotAcceptable(Error):
    """The requester is not in a position to ask this (e.g. not an occupant)."""


class NotAllowed(Error):
    """Nobody may do this in the current state (e.g. removing the last owner)."""


class NotAuthorized(Error):
    """Credentials are missing or wrong (e.g. a room password)."""


class PolicyViolation(Error):
    """
    A rule or a limit of this service is broken (e.g. a message body too
    long, too many items, a stanza nested too deep or larger than the
    service passes on).
    """


class RegistrationRequired(Error):
    """The room admits members only."""


class ResourceConstraint(Error):
    """
    The service cannot do this now: a rate limit is exhausted, or a store
    fails; the text says when to try again.
    """


class InternalServerError(Error):
    """The service failed to do what it should have done (e.g. a write to its store)."""


class ServiceUnavailable(Error):
    """The service will not do this now (e.g. the room is full)."""


class RoomNotHeld(ItemNotFound):
    """
    This instance of the service no longer serves the room: another one of
    the instances that share the database took it over (C{--instance-id}),
    so a write of this one must not reach the database.
    """


class RoomHeldElsewhere(ResourceConstraint):
    """
    Another instance of the service serves the room now; it may be free
    later.

    @ivar retryAfter: in how many seconds its lease expires unless renewed.
    @ivar holder: the instance that holds it.
    """

    def __init__(self, *args, retryAfter=0.0, holder=None, **kwargs):
        ResourceConstraint.__init__(self, *args, **kwargs)
        self.retryAfter = retryAfter
        self.holder = holder
