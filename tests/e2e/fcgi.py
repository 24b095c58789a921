"""A minimal FastCGI client, to speak to an application process directly
(as nginx does), bypassing nginx: for tests about one process in
particular."""

import socket
import struct
import time

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, content, request_id=1):
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), 0) + content


def name_value(name, value):
    name, value = name.encode(), value.encode()

    def length(n):
        return struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def head(params):
    """BEGIN_REQUEST and the parameters, as bytes."""
    return (record(BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
            + record(PARAMS, b"".join(name_value(k, v) for k, v in params.items()))
            + record(PARAMS, b""))


def begin(sock, params):
    """Sends BEGIN_REQUEST and the parameters."""
    sock.sendall(head(params))


def read_response(sock, deadline):
    """The STDOUT stream until END_REQUEST (headers and body, raw)."""
    out, buf = b"", b""
    while time.time() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _, kind, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if kind == STDOUT:
                out += content
            elif kind == END_REQUEST:
                return out
    return out


def status_of(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n"):
        if line.startswith("Status: "):
            return int(line.split()[1])
    return 0


def connect(sock_path, timeout):
    """A connection to the process listening on sock_path. A Unix socket
    whose backlog is full refuses at once (EAGAIN) instead of waiting, as
    it is right after fill_backlog while the workers drain the connections
    it closed: try again until the timeout."""
    deadline = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(sock_path)
            return s
        except BlockingIOError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def get(path, sock_path, token=None, timeout=10):
    """One GET to the process listening on sock_path; returns (status, raw)."""
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path,
              "QUERY_STRING": path.partition("?")[2]}
    if token:
        params["HTTP_AUTHORIZATION"] = "Bearer " + token
    s = connect(sock_path, timeout)
    try:
        # The whole request in one write, as nginx sends it: the application
        # may answer a GET and close before reading an empty STDIN sent
        # later, which would then meet a closed socket.
        s.sendall(head(params) + record(STDIN, b""))
        raw = read_response(s, time.time() + timeout)
    finally:
        s.close()
    return status_of(raw), raw


def half_open(sock_path, timeout=5):
    """A connection that sends three bytes of a record header and then
    nothing: without a read timeout it holds the worker that accepts it."""
    s = connect(sock_path, timeout)
    s.sendall(record(BEGIN_REQUEST, b"")[:3])
    return s


def fill_backlog(sock_path, limit=4096):
    """Opens half-open connections until the listening socket refuses one
    (its backlog is full: a non-blocking connect fails with EAGAIN), at most
    `limit`. Returns the open sockets; the caller closes them."""
    held = []
    try:
        for _ in range(limit):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(sock_path)
            except BlockingIOError:
                s.close()
                return held
            s.settimeout(5)
            s.sendall(record(BEGIN_REQUEST, b"")[:3])
            held.append(s)
    except BaseException:
        for s in held:
            s.close()
        raise
    for s in held:
        s.close()
    raise AssertionError("the socket took %d connections without refusing one" % limit)


def app_workers(log_path):
    """The worker count of the newest start in the application's log, read
    across its rotated files (name.<timestamp>, oldest first) too, since a
    rotation may have moved the start line out of the current file."""
    import glob
    import re
    n = None
    for path in sorted(glob.glob(glob.escape(log_path) + ".*")) + [log_path]:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"listening on .* with (\d+) workers", line)
                if m:
                    n = int(m.group(1))
    if n is None:
        raise AssertionError("no 'listening ... with N workers' line in %s" % log_path)
    return n
