"""
What the throwaway XMPP servers of L{mucservice.devserver} share: a child
process that is started, waited for until its ports serve, and stopped or
killed.

Blocking code built on L{subprocess}: not for use inside the reactor.
"""

import os
import shutil
import socket
import subprocess
import time
from xml.sax.saxutils import quoteattr

#: What L{portAccepts} sends to check that a server serves clients.
STREAM_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
                 " xmlns:stream='http://etherx.jabber.org/streams' to=%s version='1.0'>")


def program(name):
    """
    @return: the path of the program C{name} from the C{PATH} or
        C{/usr/bin}, or L{None} if there is none.
    """
    found = shutil.which(name)
    if found is None and os.access(os.path.join("/usr/bin", name), os.X_OK):
        found = os.path.join("/usr/bin", name)
    return found


def freePorts(count, interface="127.0.0.1"):
    """
    @return: C{count} distinct free TCP ports (each one is held until all are
        picked, so none comes twice).
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((interface, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def portAccepts(interface, port, domain=None):
    """
    Try a TCP connection; with C{domain}, also open a client stream and wait
    for an answer, which shows that the server serves (the kernel accepts
    connections before it has loaded its modules). Then close politely and
    wait for the server's side: stopped with a client still on, Prosody
    waits a second for it.

    @return: whether the connection (and the stream) succeeded.
    @rtype: L{bool}
    """
    try:
        with socket.create_connection((interface, port), timeout=1) as s:
            if domain is not None:
                s.sendall((STREAM_HEADER % (quoteattr(domain),)).encode("utf-8"))
                s.settimeout(0.5)
                if not s.recv(4096):
                    return False
                s.sendall(b"</stream:stream>")
            s.shutdown(socket.SHUT_WR)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
            return True
    except OSError:
        return False


def readFile(path, offset=0):
    """
    @return: the text of the file at C{path} from byte C{offset}, or C{""}.
    """
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def tail(path, lines=40):
    """
    @return: the last C{lines} lines of the file at C{path}.
    """
    return "".join(readFile(path).splitlines(True)[-lines:])


class ServerProcess:
    """
    A server run as a child process, its stdout and stderr in a file.

    Expects of the class it is mixed into: C{name} (for messages),
    C{domain}, C{interface}, C{c2sPort}, C{componentJID}, C{componentPort},
    C{configPath}, C{logPath}, C{outputPath}, C{process}
    (L{None} at first) and C{_output} (L{None} at first).
    """

    def __repr__(self):
        return "<%s %s c2s=%s:%d component=%s:%d>" % (
            type(self).__name__, self.domain, self.interface, self.c2sPort, self.componentJID,
            self.componentPort)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *excInfo):
        self.stop()

    @property
    def running(self):
        """Whether the server process is alive."""
        return self.process is not None and self.process.poll() is None

    def spawn(self, args, timeout, waiting, refusal=None, **popenArguments):
        """
        Start the server and wait until it serves.

        @param args: the command line.
        @param timeout: how many seconds to wait for the ports.
        @param waiting: C{(port, domain)} pairs for L{portAccepts}, the
            last tried first.
        @param refusal: L{None}, or a callable, tried before each port,
            returning why the server will not serve (it runs on, but has
            said why in its log), or L{None}.
        @param popenArguments: more arguments of L{subprocess.Popen}.
        @raise RuntimeError: the server is already running, exited, refused
            or did not serve within C{timeout} seconds; the message holds
            the end of its log. It is not left running then.
        """
        if self.running:
            raise RuntimeError("%r is already running" % (self,))
        self._closeOutput()
        self._output = open(self.outputPath, "ab")
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT,
            **popenArguments)
        deadline = time.monotonic() + timeout
        waiting = list(waiting)
        while self.running:
            why = refusal() if refusal is not None else None
            if why is not None:
                self.kill()
                raise RuntimeError(self._failure(why))
            if not waiting:
                return
            if portAccepts(self.interface, *waiting[-1]):
                waiting.pop()
                continue
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(self._failure(
                    "%s did not serve on %s:%d within %ss"
                    % (self.name, self.interface, waiting[-1][0], timeout)))
            try:
                self.process.wait(0.05)
            except subprocess.TimeoutExpired:
                pass
        self._closeOutput()
        raise RuntimeError(self._failure(
            "%s exited with code %s" % (self.name, self.process.returncode)))

    def _failure(self, what):
        return "%s (%s)\n--- %s\n%s--- %s\n%s" % (
            what, self.configPath, self.logPath, tail(self.logPath),
            self.outputPath, tail(self.outputPath, 10))

    def _closeOutput(self):
        if self._output is not None:
            self._output.close()
            self._output = None

    def stop(self, timeout=10):
        """
        Stop the server: SIGTERM, then SIGKILL if it still runs after
        C{timeout} seconds. Does nothing if it is not running.

        @return: its exit code, or L{None} if it was never started.
        """
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        return self.kill()

    def kill(self):
        """
        Kill the server with SIGKILL, as a crash would: it closes no stream,
        tells no component and sends no unavailable presence. Does nothing
        if it is not running.

        @return: its exit code, or L{None} if it was never started.
        """
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._closeOutput()
        return self.process.returncode

    def restart(self, timeout=20):
        """
        Stop the server and start it again on the same ports, with the data
        it kept.
        """
        self.stop()
        self.start(timeout)
