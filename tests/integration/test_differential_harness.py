"""
The differential harness itself (L{tests.integration.differential}): what
it takes for the same, and that a difference fails with a readable diff.
"""

from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from tests.integration import differences
from tests.integration.differential import MUC, Conversation, compare
from tests.integration.normalisation import normalise
from tests.integration.xmppclient import toXML


def run(domain, sentIDs=("m1",)):
    """
    @return: what L{normalise} needs of a run against the MUC at C{domain},
        in which alice sent the ids C{sentIDs}.
    """
    return SimpleNamespace(muc=MUC(differences.OURS, domain), sentIDs=set(sentIDs),
                           clients={"alice": SimpleNamespace(jid="alice@localhost/test")})


def normalised(xml, domain="muc.localhost", **kwargs):
    stanza = ElementTree.fromstring("<message xmlns='jabber:client' %s" % (xml,))
    return toXML(normalise(stanza, run(domain, **kwargs), "alice"))


def test_sameAcrossMUCs():
    """
    The same message from either MUC normalises the same: the domain, the
    ids the MUC makes and the occupant id are taken out; the sender's id,
    the order of attributes and children, and whitespace are not compared.
    """
    ours = normalised(
        "to='alice@localhost/test' from='r@muc.localhost/bob' type='groupchat' id='m1' "
        "xml:lang='en'><body>hi</body> <occupant-id xmlns='urn:xmpp:occupant-id:0' id='abc'/>"
        "<stanza-id xmlns='urn:xmpp:sid:0' id='1' by='r@muc.localhost'/></message>")
    theirs = normalised(
        "type='groupchat' from='r@conference.localhost/bob' id='m1' to='alice@localhost/test'>"
        "<stanza-id xmlns='urn:xmpp:sid:0' by='r@conference.localhost' id='2'/>"
        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='xyz'/><body>hi</body></message>",
        domain="conference.localhost")
    assert ours == theirs
    assert "r@MUC/bob" in ours and "of bob" in ours and "id=\"m1\"" in ours


def test_madeIDs():
    """An id the clients did not send is one the MUC made: it becomes *."""
    assert 'id="*"' in normalised("from='muc.localhost' id='x1'/>")
    assert 'id="m1"' in normalised("from='muc.localhost' id='m1'/>")


def test_domainOnlyWhole():
    """Only the MUC's domain itself is replaced, not a longer name that ends with it."""
    assert "a.xmuc.localhost" in normalised("from='a.xmuc.localhost'/>")


def test_prose():
    """Error texts and form labels are dropped; a boolean 1 is true, none false."""
    text = normalised(
        "from='muc.localhost' type='error'><error type='cancel'><conflict xmlns="
        "'urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'"
        ">in use</text></error><x xmlns='jabber:x:data' type='result'><field var='a' "
        "type='boolean' label='A'><value>1</value></field><field var='b' type='boolean'/></x>"
        "</message>")
    assert "in use" not in text and "label" not in text
    assert "<value>true</value>" in text and "<value>false</value>" in text


def test_formProse():
    """
    A form's title and instructions and its fields' descriptions are
    dropped, as labels are; the fields and their values stay.
    """
    text = normalised(
        "from='muc.localhost'><x xmlns='jabber:x:data' type='form'><title>Voice request</title>"
        "<instructions>Tick it</instructions><field var='muc#roomnick' type='text-single'>"
        "<desc>The nickname</desc><value>bob</value></field></x></message>")
    assert "Voice request" not in text and "Tick it" not in text and "nickname" not in text
    assert 'var="muc#roomnick"' in text and "<value>bob</value>" in text


def test_archiveIDs():
    """
    The ids of the MUC's archive (a result's id, a page's first and last)
    become *; the count of a page does not.
    """
    text = normalised(
        "from='r@muc.localhost'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='abc'/>"
        "<set xmlns='http://jabber.org/protocol/rsm'><first>abc</first><last>def</last>"
        "<count>2</count></set></message>")
    assert "abc" not in text and "def" not in text
    assert 'id="*"' in text and "<first>*</first>" in text and "<last>*</last>" in text
    assert 'queryid="q1"' in text and "<count>2</count>" in text


def test_normalType():
    """A message's type='normal' is the same as none; another type is kept."""
    assert "type=" not in normalised("from='muc.localhost' type='normal'/>")
    assert 'type="chat"' in normalised("from='muc.localhost' type='chat'/>")


def test_carriedLanguage():
    """
    A message carried in a stanza without a language of its own inherits
    the stream's: its xml:lang='en' is dropped, but not under a stanza in
    another language.
    """
    carried = ("><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' "
               "xml:lang='en' from='r@muc.localhost/bob'><body>hi</body></message></forwarded>"
               "</message>")
    assert "lang" not in normalised("from='muc.localhost'" + carried)
    assert normalised("from='muc.localhost' xml:lang='de'" + carried).count("lang") == 2


class FakeRun:
    def __init__(self, label, report):
        self.muc = MUC(label, label)
        self._report = report

    def playAll(self):
        pass

    def close(self):
        pass

    def report(self):
        return self._report


def test_differenceFails():
    """A difference fails the comparison, with a unified diff of the two accounts."""
    conversation = Conversation("c", ("alice",))
    with pytest.raises(AssertionError) as raised:
        compare(conversation, lambda c: FakeRun(differences.PROSODY, "step 1\n  a\n"),
                lambda c: FakeRun(differences.OURS, "step 1\n  b\n"))
    message = str(raised.value)
    assert "--- prosody" in message and "+++ mucservice" in message
    assert "-  a" in message and "+  b" in message
    assert compare(conversation, lambda c: FakeRun(differences.PROSODY, "same\n"),
                   lambda c: FakeRun(differences.OURS, "same\n")) == "same\n"


def test_knownDifferencesNamed():
    """Every known difference gives its reason and rewrites at least one side."""
    for name, difference in differences.KNOWN.items():
        assert difference.reason, name
        assert difference.prosody or difference.ours, name


def test_differenceApplied():
    """A named difference rewrites only its side."""
    stanza = ElementTree.fromstring(
        "<presence xmlns='jabber:client' type='error'><error type='cancel'/></presence>")
    assert differences.apply(("refused-join-echoes",), differences.OURS, stanza) is stanza
    assert stanza.find("{http://jabber.org/protocol/muc}x") is None
    differences.apply(("refused-join-echoes",), differences.PROSODY, stanza)
    assert stanza.find("{http://jabber.org/protocol/muc}x") is not None
