"""
Every interface mucservice declares.

Four services and the persistence of rooms are swappable: their providers are
made by factories found through the plugin registry (L{mucservice.registry}).
A provider that also provides L{twisted.application.service.IService} is
started and stopped with the rest of the service.

Addresses are L{mucservice.address.JID} objects throughout (equal to, and
hashing like, Twisted's L{JID<twisted.words.protocols.jabber.jid.JID>}s):
a I{real JID} is the full JID of a user's session, a I{room JID} the bare JID
of a room, a I{user JID} the bare JID an affiliation belongs to. Domain errors
come from L{mucservice.errors}.
"""

from zope.interface import Attribute, Interface

# Join tracking (see issue "Join tracking and server-side pinging").


class IJoinObserver(Interface):
    """
    Told by an L{IJoinTracker} about every change it records.

    Observers are called synchronously, after the change is recorded, in the
    order they subscribed. An exception raised by one is logged and does not
    stop the others. Some calls are made on hot paths, marked I{Hot path}
    below: the join or leave waits for every observer.
    """

    def occupantJoined(realJID, roomJID, nick):
        """
        C{realJID} entered C{roomJID} under C{nick} (not called for a rejoin).

        I{Hot path}: every join.
        """

    def occupantLeft(realJID, roomJID, nick):
        """
        C{realJID}, known as C{nick}, is no longer in C{roomJID}: it left, was
        kicked or banned, was removed as gone, or the room was destroyed.

        I{Hot path}: every leave.
        """

    def nickChanged(realJID, roomJID, oldNick, newNick):
        """
        C{realJID} is now known as C{newNick} in C{roomJID}.
        """


class IJoinTracker(Interface):
    """
    The authoritative index of who is in which room under which nick.

    The room service records every change (L{recordJoin}, L{recordLeave},
    L{recordNickChange}, L{forgetRoom}, L{forgetAll}); the other services
    only query. Calls are synchronous and are made on hot paths, marked
    I{Hot path} below: keep them cheap (no I/O, no copies of big
    structures).
    """

    def recordJoin(realJID, roomJID, nick):
        """
        Record that C{realJID} is in C{roomJID} as C{nick}.

        Recording a JID that is already there under the same nick is a rejoin
        and changes nothing; under another nick it is a nick change.

        I{Hot path}: every join.
        """

    def recordLeave(realJID, roomJID):
        """
        Record that C{realJID} is no longer in C{roomJID}. Unknown pairs are
        ignored.

        I{Hot path}: every leave.
        """

    def recordNickChange(realJID, roomJID, newNick):
        """
        Record that C{realJID} is now C{newNick} in C{roomJID}.

        @raise mucservice.errors.ItemNotFound: C{realJID} is not in C{roomJID}.
        """

    def forgetRoom(roomJID):
        """
        Remove every occupant of C{roomJID} (the room was destroyed or
        emptied), telling observers about each.

        @return: the real JIDs that were in the room.
        @rtype: L{set}
        """

    def forgetAll():
        """
        Remove everything without telling observers (the service restarts
        and its rooms start empty).
        """

    def roomsOf(realJID):
        """
        I{Hot path}: the pinger asks it for the sender of every error
        stanza, and of every stanza when it watches for idle occupants.

        @return: the rooms C{realJID} is in, mapped to its nick in each (a
            new L{dict}, empty if none).
        @rtype: L{dict} of room JID to L{str}
        """

    def occupantsFrom(domain):
        """
        @param domain: a domain name, as L{str}.
        @return: the real JIDs of that domain that are in any room.
        @rtype: L{set}
        """

    def realJIDs():
        """
        @return: every real JID that is in at least one room.
        @rtype: L{set}
        """

    def isPresent(userJID, roomJID):
        """
        I{Hot path}: asked for every registrant of offline delivery on every
        groupchat message of their room.

        @return: whether any resource of the bare C{userJID} is in C{roomJID}.
        @rtype: L{bool}
        """

    def addObserver(observer):
        """
        Subscribe an L{IJoinObserver} to every later change.
        """

    def removeObserver(observer):
        """
        Unsubscribe an observer; unknown observers are ignored.
        """


# Pinging occupants that may be gone.


class IPingHost(Interface):
    """
    What the room service lends a pinger.
    """

    joinTracker = Attribute("The service's L{IJoinTracker}.")

    def ping(roomJID, realJID, timeout):
        """
        Send a XEP-0199 ping from C{roomJID} to C{realJID}.

        @param timeout: seconds to wait for the answer.
        @return: a Deferred that fires with L{None} on a C{result}, fails with
            L{twisted.words.protocols.jabber.error.StanzaError} on an error
            answer, or with L{twisted.internet.defer.TimeoutError}.
        """

    def removeGone(realJID, reason):
        """
        Remove C{realJID} from every room it is in, as an occupant that is
        gone: status 333 to the others, 110 and 333 to C{realJID}.

        @param reason: the text put into the removal's C{<reason/>}.
        """


class IPinger(Interface):
    """
    Finds occupants whose link is gone by pinging them after a delay.

    The triggers come from the protocol edge; the pinger decides which of
    them warrant a ping, when it is sent, and what its answer means. It
    learns of leaves from the join tracker (L{IPingHost.joinTracker}).
    """

    def start(host):
        """
        Begin work with an L{IPingHost}; called when the component stream is
        first up.
        """

    def stop():
        """
        Cancel every scheduled and outstanding ping.
        """

    def errorReceived(realJID, condition):
        """
        An error stanza came from the full JID C{realJID} of an occupant.

        @param condition: the RFC 6120 condition, e.g. C{"remote-server-not-found"}.
        """

    def streamRestored():
        """
        The component stream came back after a loss: any occupant may be gone.
        """

    def activity(realJID):
        """
        A stanza that is no error came from C{realJID}, which may be an
        occupant: it is alive now.

        I{Hot path}: every stanza the service receives that is no error,
        before anything else is done with it. Keep it cheap: no I/O, no
        timer per call.
        """


# Hats (XEP-0317).


class IHatObserver(Interface):
    """
    Told by an L{IHatStore} after a user's hats in a room changed.
    """

    def hatsChanged(userJID, roomJID, hats):
        """
        @param hats: the user's hats now, as from L{IHatStore.getUserHats}.
        """


class IHatStore(Interface):
    """
    XEP-0317 hats worn by affiliated users of a room, kept persistently.

    A hat is identified by a URI. Its attachment is a L{dict} with the keys
    C{active} and C{required} (booleans, absent means false) and C{title}
    (a string); a missing attachment means C{{}}. Every method returns a
    Deferred; the failures named are L{mucservice.errors} classes.

    No method is on a hot path: a room reads its hats once, when it is
    loaded, and follows their changes through its L{IHatObserver}.
    """

    def addUserHat(userJID, roomJID, hatURI, attachment=None):
        """
        Give C{userJID} the hat C{hatURI} in C{roomJID}, replacing the
        attachment if the user already wears it.

        @return: a Deferred that fires with L{None}; fails with
            C{BadRequest} if C{hatURI} is not a URI, C{ItemNotFound("room not
            found")} if the room does not exist on this service,
            C{ItemNotFound("user not affiliated")} if C{userJID} is no member,
            admin or owner of it.
        """

    def removeUserHat(userJID, roomJID, hatURI):
        """
        Take the hat C{hatURI} off C{userJID} in C{roomJID}.

        @return: a Deferred that fires with L{True} if the user wore it and
            L{False} if not; fails as L{addUserHat}.
        """

    def setUserHats(userJID, roomJID, hats):
        """
        Make the user's hats in the room exactly C{hats}, a mapping of hat URI
        to attachment (or L{None}).

        @return: a Deferred that fires with L{None}; fails as L{addUserHat}.
        """

    def getUserHats(userJID, roomJID):
        """
        @return: a Deferred that fires with a L{dict} of hat URI to
            attachment, empty if the user wears none; fails as L{addUserHat}.
        """

    def getRoomHats(roomJID):
        """
        @return: a Deferred that fires with a L{dict} of user JID to that
            user's hats (as from L{getUserHats}), for every user of the room
            that wears at least one.
        """

    def forgetUser(userJID, roomJID):
        """
        Drop every hat of C{userJID} in C{roomJID}; called when the user's
        affiliation becomes none or outcast. Never fails for lack of one.

        @return: a Deferred that fires with L{None}.
        """

    def forgetRoom(roomJID):
        """
        Drop every hat worn in C{roomJID}; called when it is destroyed.

        @return: a Deferred that fires with L{None}.
        """

    def addObserver(observer):
        """
        Subscribe an L{IHatObserver} to every later change, for the life of
        the store.
        """


# Offline delivery of room messages.


class IOfflineHost(Interface):
    """
    What the protocol edge lends an offline delivery provider: the copies it
    can send, rendered by the edge. A provider never builds XML itself.

    Both methods write every copy in one go on the component stream, queued
    while the link is down. C{entry} is the message as the room keeps it in
    its history (a L{HistoryEntry<mucservice.records.HistoryEntry>});
    C{recipients} are bare JIDs.
    """

    def sendGroupchat(roomJID, entry, recipients):
        """
        Send each recipient the message as the room reflected it: a
        C{type='groupchat'} message from the sender's occupant JID, with its
        id, stanza id and occupant id (what Tigase's MUC sends), and the
        sender's real JID for the recipients the room's archive would show
        it to.

        I{Hot path}: called from L{IOfflineDelivery.deliver}.
        """

    def sendForwarded(roomJID, entry, recipients):
        """
        Send each recipient a C{type='normal'} message from the room that
        carries the reflected message in a XEP-0297 C{<forwarded/>} with a
        XEP-0203 C{<delay/>} of when the room received it, and a XEP-0334
        C{<store/>} hint: what RFC 6121 servers store offline and push. The
        sender's real JID is named as by L{sendGroupchat}.

        I{Hot path}: called from L{IOfflineDelivery.deliver}.
        """


class IOfflineDelivery(Interface):
    """
    Copies room messages to registered members who are not in the room.

    The room service picks the recipients and the messages; the provider
    decides how a copy travels. A recipient is a member, admin or owner of
    the room (never an outcast) who registered with the field
    C{{http://tigase.org/protocol/muc}offline} set and none of whose
    resources is in the room (L{IJoinTracker.isPresent}); the messages are
    the groupchat messages that go into the room's history (a body or a
    C{store} hint; no chat states, no C{no-store}). Nothing is asked of the
    provider in rooms whose C{offlineDelivery} option is off, in rooms
    without such registrants, or when it does not L{sendsCopies}.
    """

    sendsCopies = Attribute(
        "Whether the provider sends copies at all, a L{bool}. When false, rooms neither "
        "advertise offline delivery nor offer its registration field, and L{deliver} is "
        "never called. I{Hot path}: read for every message of a room with registrants; "
        "a plain attribute, not a property that does work.")

    def start(host):
        """
        Begin work with an L{IOfflineHost}, the only way copies leave;
        called when the component stream is first up. L{deliver} does
        nothing before.
        """

    def stop():
        """
        Stop sending; called when the service stops. L{deliver} does
        nothing afterwards.
        """

    def deliver(roomJID, entry, recipients):
        """
        Send copies of a groupchat message.

        I{Hot path}: called, synchronously, for every message of a room
        with absent registrants; send through the host, do not wait.

        @param roomJID: the room's bare JID.
        @param entry: the message as the room keeps it in its history, a
            L{HistoryEntry<mucservice.records.HistoryEntry>} (its C{stamp}
            says when the room received it).
        @param recipients: the bare JIDs to copy it to, a non-empty
            sequence of L{JID<mucservice.address.JID>}s.
        """

    def bounced(roomJID, userJID, condition):
        """
        A message error came back from the bare C{userJID} to C{roomJID} (or
        one of its occupants) while C{userJID} is a recipient there: most
        likely the bounce of a copy (Prosody bounces every groupchat message
        sent to a bare JID, RFC 6121 section 8.5.2.1.1). It may also be the
        bounce of another message the room sent to that bare JID, such as an
        invitation.

        Bounces never make the service kick anybody or ping anybody; what
        else they mean is the provider's choice.

        @param condition: the RFC 6120 condition, e.g.
            C{"service-unavailable"}, or L{None} if the error has none.
        """


# Persistence of rooms.


class IRoomStore(Interface):
    """
    Persistent rooms: configuration, affiliations with their data, subject,
    avatar, and the messages of each room: its archive (XEP-0313), whose
    newest messages are its discussion history. Records are the classes of
    L{mucservice.records}.

    History and archive are one sequence of messages per room, not two
    copies: a room that archives adds every message with L{archiveMessage}
    and keeps it until it expires (L{expireArchive}); a room that does not
    adds it with L{appendHistory}, which keeps only the newest. Either way
    L{getHistory} reads the newest, L{queryArchive} any of them, and a
    message taken back becomes a tombstone (L{retractMessage}) wherever it
    is read.

    Every method returns a Deferred. Each change is applied whole or not at
    all. A change to a room that is not stored fails with C{ItemNotFound}.
    A store reads what was asked of it before: a query sees every message
    added before it was made.
    """

    def loadRooms():
        """
        @return: a Deferred that fires with a L{list} of every stored
            L{RoomRecord<mucservice.records.RoomRecord>} (without history).
            Called once, when the service starts.
        """

    def saveRoom(roomJID, config, affiliations=None):
        """
        Store C{roomJID} with its configuration (a L{dict} of C{muc#roomconfig}
        field names to values), creating it or replacing the configuration,
        and, in the same transaction, the C{affiliations} given: a L{dict} of
        bare user JID to its new L{Affiliation<mucservice.records.Affiliation>},
        or to L{None} to remove the user's entry. A change of several users
        (a batch of the admin protocol, the owner and admin lists of a
        configuration) is thus stored whole or not at all.
        """

    def deleteRoom(roomJID):
        """
        Forget the room with everything stored for it. Unknown rooms are
        ignored.
        """

    def setAffiliation(roomJID, userJID, affiliation, data=None):
        """
        Store the affiliation of C{userJID} with its data (a L{dict} of
        L{str} to L{str}: reserved nick, registration fields, anything a
        provider attaches), replacing what was there. Affiliation C{"none"}
        with no data removes the entry.
        """

    def setSubject(roomJID, subject, nick):
        """
        Store the room's subject and the nick that set it.
        """

    def setAvatar(roomJID, avatar):
        """
        Store the room's avatar, a L{RoomAvatar<mucservice.records.RoomAvatar>}
        (replacing the one there was), or remove it if C{avatar} is
        L{None}. L{loadRooms} gives it back in the room's record; deleting
        the room deletes it.
        """

    def appendHistory(roomJID, entry, maxLength):
        """
        Add a L{HistoryEntry<mucservice.records.HistoryEntry>} to the
        room's history, not archived, and keep only the newest C{maxLength}
        entries in the history (as L{trimHistory}).

        I{Hot path}: every groupchat message of a persistent room that keeps
        history and does not archive. The room has answered already; the
        store may batch.
        """

    def trimHistory(roomJID, maxLength):
        """
        Keep only the newest C{maxLength} entries in the room's history (its
        history length was made shorter): the others leave it for good,
        even when the history may be longer again, and are forgotten unless
        archived (L{archiveMessage}).
        """

    def getHistory(roomJID, limit):
        """
        @return: a Deferred that fires with the newest C{limit} entries of the
            room, oldest first.
        """

    # The archive (XEP-0313): the same messages.

    def archiveMessage(roomJID, entry):
        """
        Add a L{HistoryEntry<mucservice.records.HistoryEntry>} (with its
        stanza id) to the room's archive and history: it stays in the
        archive when it leaves the history (L{appendHistory},
        L{trimHistory}). An entry whose stanza id is stored already replaces
        it, as if added now (so writing a room's messages again, in order,
        after a failure stores each once, tombstones included).

        I{Hot path}: every groupchat message of a persistent room that
        archives. The room has answered already; the store may batch.
        """

    def queryArchive(roomJID, query):
        """
        @param query: an L{ArchiveQuery<mucservice.records.ArchiveQuery>},
            whose L{select<mucservice.records.ArchiveQuery.select>} says
            what it finds; its C{max} is small (a page).
        @return: a Deferred that fires with an L{ArchivePage
            <mucservice.records.ArchivePage>} (empty for a room not stored);
            fails with C{ItemNotFound} when the query names a stanza id the
            room's archive does not hold.
        """

    def findMessage(roomJID, stanzaID):
        """
        @return: a Deferred that fires with the room's L{HistoryEntry
            <mucservice.records.HistoryEntry>} of that stanza id, or with
            L{None} if there is none.
        """

    def retractMessage(roomJID, stanzaID, retraction, announcement=None, maxLength=None):
        """
        Make the room's message of that stanza id a tombstone: its payload
        gone, the L{Retraction<mucservice.records.Retraction>} kept with it
        (as L{HistoryEntry.tombstone
        <mucservice.records.HistoryEntry.tombstone>} does); and add, in the
        same change, the C{announcement} of it, if given (the room's own
        L{HistoryEntry<mucservice.records.HistoryEntry>} that tells of a
        moderation): archived, as L{archiveMessage} adds it, or, given a
        C{maxLength}, to the history only, as L{appendHistory} does.

        @return: a Deferred that fires with L{None}; fails with
            C{ItemNotFound} if the room holds no such message (and then
            nothing changed).
        """

    def expireArchive(before, limit):
        """
        Forget at most C{limit} messages, of any rooms, that the rooms
        received before C{before} (a timezone-aware L{datetime}), oldest
        first: the archive's retention. One call is one bounded piece of
        work; the caller calls again while it forgets C{limit}.

        @return: a Deferred that fires with how many it forgot.
        """


class IClaimObserver(Interface):
    """
    Told by an L{IRoomClaims} provider about the rooms this instance lost.
    """

    def roomLost(roomJID):
        """
        Another instance took C{roomJID} over (this one's lease lapsed, for
        example while it was paused): this instance must forget the room at
        once, without writing or saying anything more of it.
        """


class IRoomClaims(Interface):
    """
    Rooms served by several instances of the service that share one room
    store (C{--instance-id}): each room is served by the one instance that
    holds its lease, which it claims when the room's first stanza arrives
    and renews while it runs. A store that offers this refuses every write
    of a room's state from an instance that no longer holds the room's
    lease with the epoch it claimed (L{RoomNotHeld
    <mucservice.errors.RoomNotHeld>}), in the write's own transaction.

    Provided by the room store, besides L{IRoomStore}, when it is made for
    an instance.
    """

    instanceID = Attribute("This instance's id (C{--instance-id}), a L{str}.")

    def holds(roomJID):
        """
        I{Hot path}: asked for every stanza sent to a room.

        @return: whether this instance holds the lease of C{roomJID} and may
            serve it now: claimed, and renewed recently enough that no
            other instance can have taken it.
        """

    def claim(roomJID):
        """
        Claim the room's lease, if it is free, expired, or held by this
        instance (or by an earlier process with this instance's id), with a
        new epoch, and read the room as stored, in one transaction: the
        records of its former occupants are taken away with it.

        @return: a Deferred that fires with a L{RoomClaim
            <mucservice.records.RoomClaim>}; fails with L{RoomHeldElsewhere
            <mucservice.errors.RoomHeldElsewhere>} while another instance
            holds it.
        """

    def confirm():
        """
        Renew every lease this instance holds now, rather than at the next
        renewal; a lease found lost is told to the observers.

        @return: a Deferred that fires with L{None} once done; fails if the
            store could not renew them.
        """

    def release(roomJID):
        """
        Give up the room's lease (the room is gone from this instance), with
        the records of its occupants here.

        @return: a Deferred that fires with L{None}.
        """

    def releaseAll():
        """
        Give up every lease this instance holds (it stops cleanly), with the
        records of its occupants.

        @return: a Deferred that fires with L{None}.
        """

    def addClaimObserver(observer):
        """
        Subscribe an L{IClaimObserver} to the rooms this instance loses.
        """


class IRoomDirectory(Interface):
    """
    The rooms of this service, as the room service knows them (temporary and
    persistent); lent to providers through their context.
    """

    def getAffiliation(roomJID, userJID):
        """
        @return: a Deferred that fires with the affiliation of the bare
            C{userJID} in C{roomJID} (C{"owner"}, C{"admin"}, C{"member"},
            C{"outcast"} or C{"none"}); fails with C{ItemNotFound("room not
            found")} if the room does not exist here.
        """

    def mayWearHats(roomJID, userJID):
        """
        @return: a Deferred that fires with whether the bare C{userJID} may
            wear hats in C{roomJID} (it is a member, admin or owner there);
            fails with C{ItemNotFound("room not found")} if the room does
            not exist here.
        """


# The plugin registry.


class IProviderContext(Interface):
    """
    What a provider factory may use to make its provider: one context for
    each provider made, holding only the settings its factory declared.
    """

    reactor = Attribute("The reactor to schedule with (a L{task.Clock} in tests).")
    serviceJID = Attribute("The component's JID.")
    database = Attribute("The database URL of C{--db}, e.g. C{sqlite:/var/lib/muc.sqlite}.")
    settings = Attribute(
        "The command-line settings named in the factory's L{IProviderFactory.settings}, a "
        "L{dict} of option name to value, and no others: never the component secret.")
    joinTracker = Attribute("The L{IJoinTracker}; set before other providers are made.")
    rooms = Attribute("The L{IRoomDirectory} of the room service.")


class IProviderFactory(Interface):
    """
    A plugin that makes a provider of one service interface.

    A choice fails as Twisted's C{strcred} plugins fail: what can be checked
    before the service tree exists is checked while the options are parsed
    (the factory itself with C{verifyObject}, its ARGS, its settings, the
    C{--db} and its L{providerClass}), and each failure is a usage error of
    one line. Providers are made later, when the service tree is built, and
    each one is checked with C{verifyObject} against L{provides}.
    """

    name = Attribute("The name chosen with C{--SERVICE=NAME[:ARGS]}.")
    description = Attribute("One line saying what the provider does.")
    longHelp = Attribute("What C{--help-provider} prints: the provider in as many lines as "
                         "it takes.")
    argumentsFormat = Attribute("One line: the form of ARGS in C{NAME:ARGS}, for "
                                "C{--help-provider}.")
    settings = Attribute(
        "The names of the command-line options the provider reads, a L{tuple} (e.g. "
        "C{(\"ping-delay\",)}): they and no others are in its context's settings. C{secret} "
        "and C{secret-file} are refused, as are names that are no option.")
    providerClass = Attribute(
        "The fully qualified name of the class of the providers made, or L{None}. If "
        "given, the class is checked with C{verifyClass} against L{provides} while the "
        "options are parsed.")
    provides = Attribute("The interface every made provider provides.")

    def parseArguments(argstring):
        """
        Check the ARGS of C{NAME:ARGS} while the options are parsed, before
        anything is made.

        @param argstring: what followed C{NAME:} on the command line, or C{""}.
        @raise ValueError: C{argstring} is not acceptable; the message is shown
            to the user.
        """

    def checkDatabase(database):
        """
        Check, once every option is parsed, that the provider can use the
        database of C{--db}.

        @param database: the C{--db} URL, e.g. C{sqlite:muc.sqlite}.
        @raise ValueError: the provider cannot use it; the message is shown to
            the user.
        """

    def makeProvider(argstring, context):
        """
        @param argstring: what followed C{NAME:} on the command line, or C{""};
            L{parseArguments} has accepted it.
        @param context: an L{IProviderContext}.
        @return: the provider.
        @raise ValueError: the provider cannot be made as asked; the message is
            shown to the user.
        """


class IJoinTrackerFactory(IProviderFactory):
    """Makes an L{IJoinTracker}."""


class IPingerFactory(IProviderFactory):
    """Makes an L{IPinger}."""


class IHatStoreFactory(IProviderFactory):
    """Makes an L{IHatStore}."""


class IOfflineDeliveryFactory(IProviderFactory):
    """Makes an L{IOfflineDelivery}."""


class IRoomStoreFactory(IProviderFactory):
    """Makes an L{IRoomStore}."""
