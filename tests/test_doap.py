"""
The README's table of supported XEPs and C{doap.xml} say the same, and the
protocols the table calls passed through are.
"""

import pathlib
import re
from xml.etree import ElementTree

from tests.fakeservice import ServiceTestCase

ROOT = pathlib.Path(__file__).parent.parent
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_DOAP = "http://usefulinc.com/ns/doap#"
NS_XMPP = "https://linkmauve.fr/ns/xmpp-doap#"


def readmeTable():
    """
    @return: XEP number (C{"0045"}) to C{(version, status)}, from the
        README's section "Supported XEPs", a table whose columns the first
        border line marks.
    """
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    section = text.split("\nSupported XEPs\n", 1)[1]
    lines = section.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("===="))
    columns = [m.span() for m in re.finditer(r"=+", lines[start])]
    rows = {}
    for line in lines[start + 3:]:
        if line.startswith("===="):
            break
        xep, _, version, status = (line[a:b + 1].strip() if i < 3 else line[a:].split()[0]
                                   for i, (a, b) in enumerate(columns[:4]))
        rows[xep.partition("-")[2]] = (version, status)
    return rows


def doapXEPs():
    """
    @return: XEP number to C{(version, status)}, from the
        C{xmpp:SupportedXep}s of C{doap.xml}.
    """
    tree = ElementTree.parse(str(ROOT / "doap.xml"))
    found = {}
    for supported in tree.iter("{%s}SupportedXep" % NS_XMPP):
        resource = supported.find("{%s}xep" % NS_XMPP).get("{%s}resource" % NS_RDF)
        number = re.fullmatch(r"https://xmpp\.org/extensions/xep-(\d{4})\.html", resource)
        assert number, resource
        found[number.group(1)] = (supported.findtext("{%s}version" % NS_XMPP),
                                  supported.findtext("{%s}status" % NS_XMPP))
    return found


def test_sameXEPs():
    """The README's table and doap.xml list the same XEPs, versions and statuses."""
    table = readmeTable()
    assert "0045" in table and "0486" in table and len(table) > 20
    assert table == doapXEPs()


def test_doapProject():
    """doap.xml is one DOAP project, named mucservice."""
    tree = ElementTree.parse(str(ROOT / "doap.xml"))
    (project,) = tree.getroot().findall("{%s}Project" % NS_DOAP)
    assert project.findtext("{%s}name" % NS_DOAP) == "mucservice"


class PassedThroughTests(ServiceTestCase):
    def test_correctionReactionReply(self):
        """
        A correction (XEP-0308), a reaction (XEP-0444) and a reply (XEP-0461)
        reach the occupants as the sender wrote them.
        """
        self.service.makeRoom("room@muc.example.org", "alice@example.org")
        self.service.join("alice@example.org/a", "room@muc.example.org/alice")
        payload = ("<replace xmlns='urn:xmpp:message-correct:0' id='m0'/>"
                   "<reactions xmlns='urn:xmpp:reactions:0' id='s1'><reaction>\U0001F44D"
                   "</reaction></reactions>"
                   "<reply xmlns='urn:xmpp:reply:0' to='room@muc.example.org/bob' id='s2'/>")
        (out,) = self.service.send(
            "<message from='alice@example.org/a' to='room@muc.example.org' type='groupchat' "
            "id='m1'><body>fixed</body>%s</message>" % (payload,))
        for uri, name, attribute, value in (("urn:xmpp:message-correct:0", "replace", "id", "m0"),
                                            ("urn:xmpp:reactions:0", "reactions", "id", "s1"),
                                            ("urn:xmpp:reply:0", "reply", "id", "s2")):
            element = next(out.elements(uri, name))
            self.assertEqual(value, element[attribute])
        reaction = next(next(out.elements("urn:xmpp:reactions:0", "reactions")).elements())
        self.assertEqual("\U0001F44D", str(reaction))
