"""
Run mucservice for real on this machine: a throwaway Prosody on loopback and
C{twistd -n mucservice} with SQLite beside it. This is what C{make run} does;
the integration tests use L{ServiceProcess} to start the real command too.

    python -m mucservice.devserver.run [--folder .run]

Everything lives in the folder: Prosody's configuration, data and logs, the
component secret, the SQLite database and mucservice's log. Ctrl-C stops
both programs.
"""

import argparse
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from mucservice.devserver.prosody import LocalProsody

#: What mucservice logs once the XMPP server has accepted the component.
CONNECTED = re.compile(r"component (\S+) is connected")

#: The options mucservice runs with beside Prosody. Prosody, as any RFC 6121
#: server, bounces a groupchat message sent to a bare JID, so the default
#: offline delivery (C{tigase}) would deliver nothing while rooms advertise
#: it; C{forward} wraps the copies in normal messages, which Prosody
#: delivers or keeps offline.
BESIDE_PROSODY = ("--offline-delivery", "forward")


def twistdCommand():
    """
    @return: the C{twistd} of the Python running this, falling back to
        C{python -m twisted.scripts.twistd}.
    """
    twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
    if os.path.exists(twistd):
        return [twistd]
    return [sys.executable, "-c", "from twisted.scripts.twistd import run; run()"]


class ServiceProcess:
    """
    The real C{twistd -n mucservice} as a child process, its log read line by
    line as it is written (and copied to C{folder/mucservice.log}).
    """

    def __init__(self, folder, jid, secretFile, port, db, extraArgs=(), host="127.0.0.1"):
        self.folder = folder
        self.args = twistdCommand() + [
            "-n", "--pidfile=", "--logfile=-", "mucservice",
            "--jid", jid, "--secret-file", secretFile, "--host", host, "--port", str(port),
            "--db", db] + list(extraArgs)
        self.process = None
        self.lines = queue.Queue()
        self.log = []

    def start(self):
        """
        Start the process (again, after L{stop}: a restart).
        """
        os.makedirs(self.folder, exist_ok=True)
        self.process = subprocess.Popen(
            self.args, cwd=self.folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._readLog, args=(self.process, self.lines),
                         daemon=True).start()

    def _readLog(self, process, lines):
        with open(os.path.join(self.folder, "mucservice.log"), "a") as copy:
            for line in process.stdout:
                copy.write(line)
                copy.flush()
                self.log.append(line)
                lines.put(line)
        lines.put(None)

    def waitFor(self, pattern, timeout=20):
        """
        Read the log until a line matches C{pattern}.

        @return: the match.
        @raise RuntimeError: the process ended or C{timeout} seconds passed
            first; the message holds the log.
        """
        pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        try:
            while True:
                line = self.lines.get(timeout=timeout)
                if line is None:
                    raise RuntimeError("mucservice exited:\n" + "".join(self.log))
                match = pattern.search(line)
                if match:
                    return match
        except queue.Empty:
            raise RuntimeError("mucservice did not log %r in %ss:\n%s"
                               % (pattern.pattern, timeout, "".join(self.log)))

    def waitConnected(self, timeout=20):
        """
        Wait until the XMPP server has accepted the component.
        """
        return self.waitFor(CONNECTED, timeout)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """
        Kill the service at once (SIGKILL): no clean stop, nothing flushed,
        as when the machine or the operator pulls the plug.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self, timeout=10):
        """
        Freeze the service where it is (SIGSTOP), as a stalled machine or a
        debugger does: its connections stay open, nothing answers. Returns
        once every thread of the process is stopped (the signal takes
        effect a moment after it is sent).

        @raise RuntimeError: the threads were not all stopped within
            C{timeout} seconds.
        """
        if not self.running:
            return
        self.process.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + timeout
        while not all(state == "T" for state in threadStates(self.process.pid)):
            if time.monotonic() > deadline:
                raise RuntimeError("mucservice was not stopped in %ss" % (timeout,))
            time.sleep(0.01)

    def resume(self):
        """
        Let a frozen service go on (SIGCONT); nothing for one that runs.
        """
        if self.running:
            self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout=10):
        """
        Stop the service with SIGTERM (SIGINT may be ignored in a process
        started in the background), killing it if it lingers.

        @return: its exit code.
        """
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def threadStates(pid):
    """
    @return: the state letter of each thread of process C{pid}, as
        C{/proc} shows it (C{T}: stopped by a signal).
    """
    states = []
    folder = "/proc/%d/task" % (pid,)
    for task in os.listdir(folder):
        try:
            with open(os.path.join(folder, task, "stat")) as f:
                states.append(f.read().rpartition(")")[2].split()[0])
        except OSError:
            continue
    return states


def portIsFree(port, interface="127.0.0.1"):
    with socket.socket() as s:
        try:
            s.bind((interface, port))
        except OSError:
            return False
    return True


def shortPath(path):
    """
    @return: C{path} relative to the current folder if it is inside it.
    """
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def secretIn(folder):
    """
    @return: the path of the folder's component secret, made on first use.
    """
    path = os.path.join(folder, "component.secret")
    if not os.path.exists(path):
        import secrets

        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
    return path


def serviceBeside(prosody, folder, secretFile):
    """
    @param prosody: the L{LocalProsody} that declares the component.
    @param folder: where the service keeps its database and log.
    @param secretFile: the file of the component secret.
    @return: the L{ServiceProcess} of C{make run}: the component of
        C{prosody}, with SQLite in C{folder} and L{BESIDE_PROSODY}.
    """
    return ServiceProcess(folder, prosody.componentJID, secretFile, prosody.componentPort,
                          "sqlite:" + os.path.join(folder, "mucservice.sqlite"),
                          extraArgs=BESIDE_PROSODY)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", default=".run", help="where everything is kept")
    parser.add_argument("--domain", default="localhost")
    parser.add_argument("--client-port", type=int, default=5222,
                        help="the XMPP client port, if free (else any free port)")
    options = parser.parse_args(argv)

    folder = os.path.abspath(options.folder)
    os.makedirs(folder, exist_ok=True)
    secretFile = secretIn(folder)
    with open(secretFile) as f:
        secret = f.read().strip()
    componentJID = "muc." + options.domain
    clientPort = options.client_port if portIsFree(options.client_port) else None
    prosody = LocalProsody(os.path.join(folder, "prosody"), domain=options.domain,
                           componentJID=componentJID, componentSecret=secret,
                           c2sPort=clientPort)
    service = serviceBeside(prosody, folder, secretFile)
    try:
        prosody.start()
        service.start()
        service.waitConnected()
        print(BANNER.format(domain=options.domain, port=prosody.c2sPort,
                            component=componentJID, folder=options.folder,
                            config=shortPath(prosody.configPath)), flush=True)
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        while service.running and prosody.running:
            try:
                service.process.wait(1)
            except subprocess.TimeoutExpired:
                pass
        if not service.running:
            print("mucservice stopped; see %s/mucservice.log" % (options.folder,))
            return 1
        print("Prosody stopped; see %s" % (shortPath(prosody.logPath),))
        return 1
    except KeyboardInterrupt:
        print("\nStopping.")
        return 0
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        service.stop()
        prosody.stop()


BANNER = """
mucservice is running as {component}, beside a Prosody on 127.0.0.1.

  XMPP server:  {domain}, client port {port} (plain connections allowed on loopback)
  Accounts:     register one from your client (in-band registration is on), or
                prosodyctl --config {config} register alice {domain} PASSWORD
  Rooms:        join any name@{component}, e.g. lobby@{component}
  Logs:         {folder}/mucservice.log, {folder}/prosody/

Ctrl-C stops both.
"""


if __name__ == "__main__":
    sys.exit(main())
