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


def begin(sock, params):
    """Sends BEGIN_REQUEST and the parameters."""
    sock.sendall(record(BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)))
    sock.sendall(record(PARAMS, b"".join(name_value(k, v) for k, v in params.items())))
    sock.sendall(record(PARAMS, b""))


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


def get(path, sock_path, token=None, timeout=10):
    """One GET to the process listening on sock_path; returns (status, raw)."""
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "QUERY_STRING": ""}
    if token:
        params["HTTP_AUTHORIZATION"] = "Bearer " + token
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    try:
        begin(s, params)
        s.sendall(record(STDIN, b""))
        raw = read_response(s, time.time() + timeout)
    finally:
        s.close()
    return status_of(raw), raw
