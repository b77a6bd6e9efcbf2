"""
C{--config FILE}: the options in a TOML file, checked as on the command
line, which wins.
"""

from mucservice import _compat  # noqa: F401

# isort: split

import os
import pathlib
import shutil
import tempfile

from twisted.logger import capturedLogs, formatEvent
from twisted.python import usage
from twisted.trial.unittest import SynchronousTestCase

from mucservice import tap
from mucservice.room.buckets import Rate

CONTRIB = pathlib.Path(__file__).parent.parent / "contrib"

BASE = """\
jid = "muc.example.org"
secret = "from-the-file"
room-store = "memory"
hat-store = "memory"
"""


class ConfigFileTests(SynchronousTestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="mucservice-test-")
        self.addCleanup(shutil.rmtree, self.folder, True)

    def write(self, text, mode=0o600, name="mucservice.toml"):
        path = os.path.join(self.folder, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def parse(self, text, *args, **kwargs):
        config = tap.Options()
        config.parseOptions(["--config", self.write(text, **kwargs)] + list(args))
        return config

    def refused(self, text, *args):
        """
        @return: the message of the usage error that parsing gives.
        """
        with self.assertRaises(usage.UsageError) as caught:
            self.parse(text, *args)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        return message

    def test_settings(self):
        """
        Every kind of setting is read: text, numbers, a flag, a provider
        choice, a limit, the list of admins, the presence cap.
        """
        config = self.parse(BASE + 'port = 5348\nping-delay = 2.5\nlog-traffic = true\n'
                            'pinger = "none"\nmessage-rate = "5/10"\n'
                            'admins = ["a@example.org", "b@example.org/x"]\n'
                            'offline-delivery-default = false\n'
                            'max-users-presence = 250\n')
        self.assertEqual(("muc.example.org", "from-the-file", 5348, 2.5, True),
                         (config["jid"].full(), config["secret"], config["port"],
                          config["ping-delay"], bool(config["log-traffic"])))
        self.assertEqual(("none", "memory"), (config["providers"]["pinger"],
                                              config["providers"]["hat-store"]))
        self.assertEqual(Rate(5, 10), config["message-rate"])
        self.assertEqual(["a@example.org", "b@example.org"], [j.full() for j in config["admins"]])
        self.assertFalse(config["offline-delivery-default"])
        self.assertEqual(250, config["max-users-presence"])

    def test_commandLineWins(self):
        """
        A value on the command line replaces the file's, whatever their
        order; --admin replaces the file's list; a provider chosen there
        replaces the file's choice.
        """
        text = BASE + 'port = 5348\nadmins = ["a@example.org"]\npinger = "none"\n'
        config = self.parse(text, "--port", "5400", "--admin", "c@example.org",
                            "--pinger", "xmpp")
        self.assertEqual(5400, config["port"])
        self.assertEqual(["c@example.org"], [j.full() for j in config["admins"]])
        self.assertEqual("xmpp", config["providers"]["pinger"])
        config = tap.Options()
        config.parseOptions(["--port", "5401", "--config=" + self.write(text)])
        self.assertEqual(5401, config["port"])

    def test_secretFileWinsOverFileSecret(self):
        """--secret-file on the command line replaces a secret of the file."""
        secretFile = self.write("from-the-secret-file\n", name="secret")
        config = self.parse(BASE, "--secret-file", secretFile)
        self.assertEqual("from-the-secret-file", config["secret"])

    def test_unknownKey(self):
        """A key that is no option is an error naming the file, its line and the key."""
        path = os.path.join(self.folder, "mucservice.toml")
        message = self.refused(BASE + "\n# rates\nmesage-rate = \"5/10\"\n")
        self.assertEqual("--config %s line 7: mesage-rate: no such setting; the settings are "
                         "the long options of --help, without their dashes, and admins"
                         % (path,), message)

    def test_table(self):
        """A table is no setting either: the error names its line."""
        self.assertIn("line 5: limits: no such setting",
                      self.refused(BASE + "[limits]\nmessage-rate = \"5/10\"\n"))

    def test_notSettings(self):
        """Options that act at once are no settings of the file."""
        for key in ("help = true", "version = true", 'config = "x"'):
            self.assertIn("no such setting", self.refused(BASE + key + "\n"))

    def test_badValues(self):
        """A value the option refuses is an error naming the line, the key and why."""
        for line, expected in (('port = 99999', "line 5: port: Parameter type enforcement "
                                                "failed: not a TCP port"),
                               ('log-traffic = "yes"', "line 5: log-traffic: is a flag"),
                               ('port = [1, 2]', "line 5: port: must be text, a number"),
                               ('pinger = "nope"', "line 5: pinger: unknown --pinger provider"),
                               ('admins = "a@example.org"', "line 5: admins: must be a list"),
                               ('admins = ["a@@b"]', "line 5: admins: --admin is not a valid")):
            self.assertIn(expected, self.refused(BASE + line + "\n"), line)

    def test_notTOML(self):
        """A file that is not TOML is an error with TOML's reason."""
        message = self.refused(BASE + "port 5347\n")
        self.assertIn("not valid TOML", message)
        self.assertIn("line 5", message)

    def test_missing(self):
        """A file that cannot be read is an error saying why."""
        with self.assertRaises(usage.UsageError) as caught:
            tap.Options().parseOptions(["--config", os.path.join(self.folder, "none.toml")])
        self.assertIn("cannot read it (No such file or directory)", str(caught.exception))

    def test_readableSecretWarned(self):
        """
        A file that holds the secret and that others can read gets a
        warning (which does not show the secret); one of mode 0600 none.
        """
        with capturedLogs() as events:
            self.parse(BASE, mode=0o644)
        (warning,) = [formatEvent(e) for e in events if e.get("event") == "config.readable"]
        self.assertIn("mode 644", warning)
        self.assertIn("chmod 600", warning)
        self.assertNotIn("from-the-file", warning)
        with capturedLogs() as events:
            self.parse(BASE, mode=0o600)
            self.parse(BASE.replace('secret = "from-the-file"', ""), "--secret", "s",
                       mode=0o644)
        self.assertEqual([], [e for e in events if e.get("event") == "config.readable"])

    def test_example(self):
        """The example of contrib/ is a valid configuration."""
        secretFile = self.write("s\n", name="secret")
        config = tap.Options()
        config.parseOptions(["--config", str(CONTRIB / "mucservice.toml"),
                             "--secret-file", secretFile,
                             "--db", "sqlite:" + os.path.join(self.folder, "rooms.sqlite")])
        self.assertEqual(("muc.example.org", 9180, "forward", True),
                         (config["jid"].full(), config["metrics-port"],
                          config["providers"]["offline-delivery"],
                          bool(config["exit-on-auth-failure"])))
