"""
The behaviours clients rely on, compared with Prosody 0.12's own MUC behind
the same server (L{tests.integration.differential}): each conversation runs
against both, and what every client received must be the same, but for
the deliberate differences each step names
(L{tests.integration.differences}).
"""

import pytest

from tests.integration.differential import Conversation, Stage, Step
from tests.integration.muc import NS_MUC, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_USER, form


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """
    One Prosody with both MUCs and mucservice, for every conversation here.
    """
    made = Stage(tmp_path_factory.mktemp("differential"))
    yield made
    made.stop()


def created(owner="alice", **config):
    """
    @param config: fields of the configuration form, without their prefix
        C{muc#roomconfig_}.
    @return: the setup steps of a room made by C{owner} and configured.
    """
    return [joined(owner),
            Step(owner, "<iq type='set' id='config' to='{room}'><query xmlns='%s'>%s</query>"
                 "</iq>" % (NS_MUC_OWNER, form({"muc#roomconfig_" + name: value
                                                for name, value in config.items()})))]


def joined(client, nick=None, extra=""):
    """
    @return: the step of C{client} joining the room as C{nick} (its name by
        default), with C{extra} in its presence.
    """
    return Step(client, "<presence to='{room}/%s'><x xmlns='%s'/>%s</presence>"
                % (nick or client, NS_MUC, extra))


def affiliate(actor, user, affiliation, id="aff"):
    """
    @return: the step of C{actor} giving the client C{user} C{affiliation}.
    """
    return Step(actor, "<iq type='set' id='%s' to='{room}'><query xmlns='%s'><item jid='{%s_bare}'"
                " affiliation='%s'/></query></iq>" % (id, NS_MUC_ADMIN, user, affiliation))


def test_announcedAffiliation(stage):
    """
    The affiliation change of a user not in the room is announced to the
    occupants who may see real JIDs: in a non-anonymous room, everyone.
    """
    stage.compare(Conversation(
        "announce", ("alice", "bob", "carol"),
        setup=created(whois="anyone") + [joined("bob")],
        steps=[affiliate("alice", "carol", "member")]))


def test_announcedToModerators(stage):
    """
    In a semi-anonymous room, the announcement goes to the moderators only:
    a participant does not learn the JID.
    """
    stage.compare(Conversation(
        "announcesemi", ("alice", "bob", "carol"),
        setup=created(whois="moderators") + [joined("bob")],
        steps=[affiliate("alice", "carol", "member"),
               affiliate("alice", "carol", "none", "aff2")]))


def test_memberLists(stage):
    """
    In a members-only non-anonymous room (an OMEMO group chat), a member
    reads the member, admin and owner lists; not the outcast list.
    """
    lists = [Step("bob", "<iq type='get' id='%s' to='{room}'><query xmlns='%s'>"
                  "<item affiliation='%s'/></query></iq>" % (kind, NS_MUC_ADMIN, kind),
                  differences=("outcast-list", "by-itself") if kind == "outcast" else ())
             for kind in ("member", "admin", "owner", "outcast")]
    stage.compare(Conversation(
        "omemo", ("alice", "bob", "carol"),
        setup=created(whois="anyone", membersonly=1) + [
            affiliate("alice", "bob", "member"), affiliate("alice", "carol", "admin", "a2"),
            Step("alice", "<iq type='set' id='ban' to='{room}'><query xmlns='%s'><item "
                 "jid='troll@localhost' affiliation='outcast'/></query></iq>" % (NS_MUC_ADMIN,)),
            joined("bob")],
        steps=lists))


def test_leaveThroughRoom(stage):
    """
    Unavailable presence to the room's bare JID makes the occupant leave;
    the others see its status.
    """
    stage.compare(Conversation(
        "bareleave", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<presence type='unavailable' to='{room}'><status>off to bed"
                    "</status></presence>")]))


def test_probe(stage):
    """
    A probe of an occupant JID gets an occupant that occupant's presence as
    the room shows it (its own too); a stranger gets an error; the nick of
    nobody in the room, registered or not, gets nothing.
    """
    stage.compare(Conversation(
        "probe", ("alice", "bob", "carol"),
        setup=created() + [
            joined("bob", extra="<show>away</show><status>lunch</status>"),
            Step("alice", "<iq type='set' id='reserve' to='{room}'><query xmlns='%s'><item "
                 "jid='dave@localhost' nick='dave' affiliation='member'/></query></iq>"
                 % (NS_MUC_ADMIN,))],
        steps=[Step("alice", "<presence type='probe' to='{room}/bob'/>"),
               Step("bob", "<presence type='probe' to='{room}/alice'/>"),
               Step("carol", "<presence type='probe' to='{room}/bob'/>",
                    differences=("not-acceptable-modify",)),
               Step("bob", "<presence type='probe' to='{room}/nobody'/>"),
               Step("bob", "<presence type='probe' to='{room}/dave'/>",
                    differences=("probe-absent",)),
               Step("bob", "<presence type='probe' to='{room}/bob'/>",
                    differences=("self-probe",))]))


def test_errorsNameTheRoom(stage):
    """
    Errors name who generated them (by): the room, for an error from an
    occupant JID; the service, for a room that does not exist.
    """
    stage.compare(Conversation(
        "errorsby", ("alice", "bob"),
        setup=created(),
        steps=[Step("alice", "<message type='chat' id='pm' to='{room}/nobody'><body>hi</body>"
                    "</message>"),
               Step("bob", "<iq type='get' id='nowhere' to='nowhere-errorsby@{service}'>"
                    "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
               Step("bob", "<message type='groupchat' id='g' to='{room}'><body>hi</body>"
                    "</message>", differences=("not-acceptable-modify", "by-itself"))]))


def test_invitation(stage):
    """
    A mediated invitation keeps the sender's id and carries the reason and
    XEP-0249's <x/>, naming the inviter's real JID in a non-anonymous room.
    """
    stage.compare(Conversation(
        "invite", ("alice", "bob"),
        setup=created(whois="anyone"),
        steps=[Step("alice", "<message id='inv1' to='{room}'><x xmlns='%s'><invite "
                    "to='{bob_bare}'><reason>Tea?</reason></invite></x></message>"
                    % (NS_MUC_USER,), until=(("bob", {"tag": "message"}),),
                    differences=("invitation-body", "conference-reason"))]))


def test_invitationSemiAnonymous(stage):
    """
    In a semi-anonymous room an invitation names the inviter by its occupant
    JID.
    """
    stage.compare(Conversation(
        "invitesemi", ("alice", "bob"),
        setup=created(whois="moderators"),
        steps=[Step("alice", "<message id='inv1' to='{room}'><x xmlns='%s'><invite "
                    "to='{bob_bare}'/></x></message>" % (NS_MUC_USER,),
                    until=(("bob", {"tag": "message"}),), differences=("invitation-body",))]))


def test_invitationMakesMember(stage):
    """
    An invitation to a members-only room makes the invitee a member, which
    is announced to those who see real JIDs, before the invitation goes.
    """
    stage.compare(Conversation(
        "invitemember", ("alice", "bob", "carol"),
        setup=created(whois="anyone", membersonly=1) + [
            affiliate("alice", "bob", "member"), joined("bob")],
        steps=[Step("alice", "<message id='inv1' to='{room}'><x xmlns='%s'><invite "
                    "to='{carol_bare}'/></x></message>" % (NS_MUC_USER,),
                    until=(("carol", {"tag": "message"}),),
                    differences=("invitation-body", "invited-member-reason"))]))


def test_subject(stage):
    """
    A subject with a thread is a message, reflected whole; a subject change
    is reflected with the sender's other children; a newcomer gets the
    subject alone.
    """
    stage.compare(Conversation(
        "subject", ("alice", "bob"),
        setup=created(),
        steps=[Step("alice", "<message type='groupchat' id='t1' to='{room}'><subject>Topic"
                    "</subject><thread>th1</thread></message>",
                    differences=("stanza-id-unkept",)),
               Step("alice", "<message type='groupchat' id='s1' to='{room}'><subject>Plans"
                    "</subject><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>",
                    differences=("subject-change-payload",)),
               Step("bob", joined("bob").send, differences=("subject-delay",))]))


def test_refusedPresence(stage):
    """
    A refused nick change carries no MUC <x/>; a refused join does.
    """
    stage.compare(Conversation(
        "refused", ("alice", "bob", "carol"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<presence to='{room}/alice'/>"),
               Step("carol", joined("carol", "alice").send,
                    differences=("refused-join-echoes",))]))


def test_discoInfo(stage):
    """
    The disco#info of a room: features (muc#stable_id among them) and the
    muc#roominfo form with the room's name and whether occupants invite.
    """
    stage.compare(Conversation(
        "disco", ("alice", "bob"),
        setup=created(roomname="Tea room", whois="anyone", publicroom=1, lang="en"),
        steps=[Step("bob", "<iq type='get' id='info' to='{room}'><query "
                    "xmlns='http://jabber.org/protocol/disco#info'/></iq>",
                    differences=("disco-extras",))]))


def test_iqChildren(stage):
    """
    An IQ request with two children, which ejabberd passes on to components
    (Prosody's client code refuses it first: here a component stands in for
    such a server), is bad-request, to a room and to the service. (To an
    occupant too, but Prosody's MUC passes the request on to the occupant,
    so that there is no answer of its to compare: see
    tests/test_error_replies.py.)
    """
    twoChildren = ("<query xmlns='http://jabber.org/protocol/disco#info'/>"
                   "<ping xmlns='urn:xmpp:ping'/>")
    stage.compare(Conversation(
        "iqchildren", ("alice",), components=("peer",),
        setup=created(),
        steps=[Step("peer", "<iq type='get' id='%s' to='%s'>%s</iq>" % (id, to, twoChildren),
                    differences=("iq-children", "by-itself"))
               for id, to in (("room", "{room}"), ("service", "{service}"))]))


def test_destroy(stage):
    """
    Destroying a room tells every occupant, with the alternate venue and the
    reason.
    """
    stage.compare(Conversation(
        "destroy", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("alice", "<iq type='set' id='destroy' to='{room}'><query xmlns='%s'>"
                    "<destroy jid='elsewhere@{service}'><reason>Moving</reason></destroy>"
                    "</query></iq>" % (NS_MUC_OWNER,),
                    differences=("destroy-affiliation",))]))


def test_everyday(stage):
    """
    The everyday flows, in a non-anonymous room: joining, talking, a nick
    change, a kick.
    """
    stage.compare(Conversation(
        "everyday", ("alice", "bob", "carol"),
        setup=created(whois="anyone"),
        steps=[joined("bob"),
               Step("bob", "<message type='groupchat' id='m1' to='{room}'><body>hello</body>"
                    "</message>"),
               Step("carol", joined("carol", extra="<status>here</status>").send,
                    differences=("sender-jid",)),
               Step("carol", "<presence to='{room}/caroline'/>",
                    differences=("nick-change-occupant-id",)),
               Step("alice", "<iq type='set' id='kick' to='{room}'><query xmlns='%s'><item "
                    "nick='caroline' role='none'><reason>Out</reason></item></query></iq>"
                    % (NS_MUC_ADMIN,), differences=("actor-jid",))]))


def archived(whois):
    """
    @return: the setup of a room with C{whois} where bob and alice said a
        word each.
    """
    return created(whois=whois) + [
        joined("bob"),
        Step("bob", "<message type='groupchat' id='m1' to='{room}'><body>first</body>"
             "</message>"),
        Step("alice", "<message type='groupchat' id='m2' to='{room}'><body>second</body>"
             "</message>")]


#: bob's query of the room's whole archive (XEP-0313).
QUERY = Step("bob", "<iq type='set' id='mam' to='{room}'><query xmlns='urn:xmpp:mam:2' "
             "queryid='q1'/></iq>", differences=("sender-jid", "archive-result"))


def test_archive(stage):
    """
    A query of a non-anonymous room's archive (XEP-0313): every message
    found, naming its sender's real JID, and the end of the results.
    """
    stage.compare(Conversation("archive", ("alice", "bob"), setup=archived("anyone"),
                               steps=[QUERY]))


def test_archiveSemiAnonymous(stage):
    """
    A participant's query of a semi-anonymous room's archive names no
    sender's real JID.
    """
    stage.compare(Conversation("archivesemi", ("alice", "bob"), setup=archived("moderators"),
                               steps=[QUERY]))


def test_password(stage):
    """
    A password-protected room: a join without the password, with a wrong
    one, and with the right one.
    """
    stage.compare(Conversation(
        "password", ("alice", "bob"),
        setup=created(passwordprotectedroom=1, roomsecret="sesame"),
        steps=[Step("bob", joined("bob").send, differences=("refused-join-echoes",)),
               Step("bob", joined("bob", extra="").send.replace(
                   "<x xmlns='%s'/>" % NS_MUC, "<x xmlns='%s'><password>nope</password></x>"
                   % NS_MUC), differences=("refused-join-echoes",)),
               Step("bob", joined("bob").send.replace(
                   "<x xmlns='%s'/>" % NS_MUC, "<x xmlns='%s'><password>sesame</password></x>"
                   % NS_MUC))]))


def test_membersOnlyRefused(stage):
    """A members-only room refuses a stranger and lets a member in."""
    stage.compare(Conversation(
        "membersonly", ("alice", "bob", "carol"),
        setup=created(membersonly=1) + [affiliate("alice", "carol", "member")],
        steps=[Step("bob", joined("bob").send, differences=("refused-join-echoes",)),
               joined("carol")]))


def test_ban(stage):
    """A ban of an occupant tells everyone (301), and keeps the banned out."""
    stage.compare(Conversation(
        "ban", ("alice", "bob", "carol"),
        setup=created() + [joined("bob"), joined("carol")],
        steps=[Step("alice", affiliate("alice", "bob", "outcast").send,
                    differences=("actor-jid",)),
               Step("bob", joined("bob").send, differences=("refused-join-echoes",))]))


def test_moderated(stage):
    """
    In a moderated room a newcomer without voice may not speak; a moderator
    gives voice, and it may.
    """
    stage.compare(Conversation(
        "moderated", ("alice", "bob"),
        setup=created(moderatedroom=1) + [joined("bob")],
        steps=[Step("bob", "<message type='groupchat' id='v1' to='{room}'><body>hi</body>"
                    "</message>", differences=("by-itself",)),
               Step("alice", "<iq type='set' id='voice' to='{room}'><query xmlns='%s'><item "
                    "nick='bob' role='participant'/></query></iq>" % (NS_MUC_ADMIN,),
                    differences=("actor-jid",)),
               Step("bob", "<message type='groupchat' id='v2' to='{room}'><body>hi</body>"
                    "</message>")]))


def test_privateMessage(stage):
    """A private message through the room goes to the occupant, from the sender's nick."""
    stage.compare(Conversation(
        "private", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<message type='chat' id='p1' to='{room}/alice'><body>psst</body>"
                    "</message>", until=(("alice", {"tag": "message"}),))]))


def test_selfPing(stage):
    """
    XEP-0410: an occupant pings its own occupant JID and is answered; a
    stranger pinging it is told it is not in the room.
    """
    ping = "<iq type='get' id='%s' to='{room}/%s'><ping xmlns='urn:xmpp:ping'/></iq>"
    stage.compare(Conversation(
        "selfping", ("alice", "bob"),
        setup=created(),
        steps=[Step("alice", ping % ("p1", "alice")),
               Step("bob", ping % ("p2", "bob"), differences=("not-acceptable-modify",))]))


def test_historyLimited(stage):
    """A newcomer asks for the last message of the history only."""
    stage.compare(Conversation(
        "historymax", ("alice", "bob"),
        setup=created() + [
            Step("alice", "<message type='groupchat' id='h%d' to='{room}'><body>n%d</body>"
                 "</message>" % (n, n)) for n in range(3)],
        steps=[Step("bob", "<presence to='{room}/bob'><x xmlns='%s'><history maxstanzas='1'/>"
                    "</x></presence>" % (NS_MUC,))]))


def test_nickConflict(stage):
    """A nick in use is refused; a nick change to a free nick tells everyone."""
    stage.compare(Conversation(
        "nickconflict", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<presence to='{room}/alice'/>"),
               Step("bob", "<presence to='{room}/robert'/>",
                    differences=("nick-change-occupant-id",))]))


def test_registrationForm(stage):
    """
    A user with no affiliation asks an open room for its registration form.
    """
    stage.compare(Conversation(
        "register", ("alice", "bob"),
        setup=created(),
        steps=[Step("bob", "<iq type='get' id='r1' to='{room}'><query "
                    "xmlns='jabber:iq:register'/></iq>", differences=("register-open-room",))]))


def test_voiceRequest(stage):
    """
    A visitor of a moderated room asks for voice (XEP-0045 section 8.6):
    the moderators get the form to approve it.
    """
    stage.compare(Conversation(
        "voicereq", ("alice", "bob"),
        setup=created(moderatedroom=1) + [joined("bob")],
        steps=[Step("bob", "<message to='{room}'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request"
                    "</value></field><field var='muc#role' type='list-single'><value>"
                    "participant</value></field></x></message>",
                    until=(("alice", {"tag": "message"}),),
                    differences=("voice-request-roles",))]))


def test_declineUninvited(stage):
    """A decline from somebody the room never invited."""
    stage.compare(Conversation(
        "decline", ("alice", "bob"),
        setup=created(),
        steps=[Step("bob", "<message to='{room}'><x xmlns='%s'><decline to='{alice_bare}'>"
                    "<reason>no</reason></decline></x></message>" % (NS_MUC_USER,),
                    differences=("decline-uninvited",))]))


def test_occupantItems(stage):
    """An occupant asks the room for its disco#items."""
    stage.compare(Conversation(
        "items", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<iq type='get' id='i1' to='{room}'><query "
                    "xmlns='http://jabber.org/protocol/disco#items'/></iq>")]))


def test_kick(stage):
    """
    A moderator kicks a participant, with a reason (307); a participant may
    not kick the owner.
    """
    stage.compare(Conversation(
        "kick", ("alice", "bob", "carol"),
        setup=created() + [joined("bob"), joined("carol")],
        steps=[Step("alice", "<iq type='set' id='kick' to='{room}'><query xmlns='%s'><item "
                    "nick='bob' role='none'><reason>Out</reason></item></query></iq>"
                    % (NS_MUC_ADMIN,), differences=("actor-jid",)),
               Step("carol", "<iq type='set' id='kick2' to='{room}'><query xmlns='%s'><item "
                    "nick='alice' role='none'/></query></iq>" % (NS_MUC_ADMIN,),
                    differences=("kick-by-participant", "by-itself"))]))


def test_presenceChanges(stage):
    """An occupant changes its show and status, then leaves with a status."""
    stage.compare(Conversation(
        "presences", ("alice", "bob"),
        setup=created() + [joined("bob")],
        steps=[Step("bob", "<presence to='{room}/bob'><show>dnd</show><status>busy</status>"
                    "</presence>"),
               Step("bob", "<presence type='unavailable' to='{room}/bob'><status>bye</status>"
                    "</presence>")]))


def test_configurationRefused(stage):
    """Somebody who is no owner asks for the configuration form."""
    stage.compare(Conversation(
        "configget", ("alice", "bob"),
        setup=created(),
        steps=[Step("bob", "<iq type='get' id='c1' to='{room}'><query xmlns='%s'/></iq>"
                    % (NS_MUC_OWNER,), differences=("by-itself",))]))
