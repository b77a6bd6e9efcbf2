"""
Service administration behind ejabberd: its c2s passes the ad-hoc commands
on to the component, and mucservice-admin logs in through it.
"""

import json

from tests.integration import test_admin_cli
from tests.integration.muc import statuses
from tests.integration.test_admin_cli import ROOM, done, runAdmin, showInTwoSteps

#: The fixture of the tests behind Prosody: the service administered by
#: admin@localhost, a room with olivia and bob in it.
administered = test_admin_cli.administered


def test_administrationBehindEjabberd(server, administered, clients):
    """
    Through ejabberd, a client runs a command in two steps, and
    mucservice-admin lists the rooms and kicks a user.
    """
    olivia, bob = administered
    assert showInTwoSteps(clients("admin", resource="client"), ROOM) == ["olivia@localhost"]
    rooms = json.loads(done(runAdmin(server, "list-rooms")))
    assert [(r["roomjid"], r["occupants"]) for r in rooms] == [(ROOM, 2)]
    done(runAdmin(server, "kick", "bob@localhost"))
    assert statuses(bob.expect(tag="presence", frm=ROOM + "/bob", type="unavailable")) == {
        110, 307}
