"""Shared helpers for the end-to-end tests: HTTPS through nginx to the API.

The stack is the one scripts/test (or scripts/up + `scripts/stack env`)
describes in the environment; every test file imports this module, which
fails at once, naming the variable, when one is missing. Python 3 stdlib only.

    status, headers, body = request("GET", "/v1/teams", token=token("admin"))

TLS is always verified against PERINATAL_CA_FILE (the stack's self-signed
certificate); verification is never turned off.
"""

import atexit
import datetime
import functools
import http.client
import json
import os
import random
import select
import ssl
import subprocess
import tempfile
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

REQUIRED_ENV = (
    "PERINATAL_BASE_URL",
    "PERINATAL_CA_FILE",
    "PERINATAL_TOKEN_BIN",
    "PERINATAL_TOKEN_KEY",
    "PERINATAL_JWT_ISSUER",
    "PERINATAL_JWT_AUDIENCE",
    "PERINATAL_JWT_PUBLIC_KEY",
    "PERINATAL_DEMO_ORG",
    "PERINATAL_STATE_DIR",
    "PERINATAL_DATABASE_URL",
    "PERINATAL_MIGRATE_DATABASE_URL",
)


def _check_env():
    missing = [n for n in REQUIRED_ENV if not os.environ.get(n)]
    if missing:
        sys.stderr.write(
            "e2e: missing environment: %s\n"
            "e2e: run through scripts/test, or start a stack with scripts/up and\n"
            "e2e: eval \"$(scripts/stack env)\" with the same PERINATAL_STATE_DIR.\n"
            % ", ".join(missing))
        sys.exit(2)
    for n in ("PERINATAL_CA_FILE", "PERINATAL_TOKEN_BIN", "PERINATAL_TOKEN_KEY",
              "PERINATAL_JWT_PUBLIC_KEY"):
        if not os.path.exists(os.environ[n]):
            sys.stderr.write("e2e: %s=%s does not exist\n" % (n, os.environ[n]))
            sys.exit(2)


_check_env()

BASE_URL = os.environ["PERINATAL_BASE_URL"].rstrip("/")
_url = urllib.parse.urlsplit(BASE_URL)
if _url.scheme != "https":
    sys.stderr.write("e2e: PERINATAL_BASE_URL must be https://, not %s\n" % BASE_URL)
    sys.exit(2)
HOST = _url.hostname
PORT = _url.port or 443
CA_FILE = os.environ["PERINATAL_CA_FILE"]
TOKEN_BIN = os.environ["PERINATAL_TOKEN_BIN"]
ISSUER = os.environ["PERINATAL_JWT_ISSUER"]
AUDIENCE = os.environ["PERINATAL_JWT_AUDIENCE"]
PUBLIC_KEY = os.environ["PERINATAL_JWT_PUBLIC_KEY"]
KID = os.environ.get("PERINATAL_TOKEN_KID", "")
DEMO_ORG = os.environ["PERINATAL_DEMO_ORG"]
STATE_DIR = os.environ["PERINATAL_STATE_DIR"]
DATABASE_URL = os.environ["PERINATAL_DATABASE_URL"]
MIGRATE_DATABASE_URL = os.environ["PERINATAL_MIGRATE_DATABASE_URL"]


def required_path(name):
    """The existing path named by the environment variable `name`. A test
    that needs it fails (AssertionError) when it is unset or missing instead
    of skipping: a skipped check passes a run that checked nothing."""
    value = os.environ.get(name)
    if not value:
        raise AssertionError("%s is not set (run through scripts/test)" % name)
    if not os.path.exists(value):
        raise AssertionError("%s=%s does not exist" % (name, value))
    return value


class HeldTransaction:
    """A psql session (the migration role) that runs `sql` in a transaction
    and holds it open, its rows written and locked, until commit(): for the
    tests of what happens while another transaction is under way. `name` is
    its application_name. close() ends it (rolled back if not committed)."""

    def __init__(self, name, sql):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", MIGRATE_DATABASE_URL],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PGAPPNAME=name))
        self.proc.stdin.write("BEGIN;\n%s;\n" % sql.strip().rstrip(";"))
        self.proc.stdin.flush()
        for _ in range(100):
            if db_count("select count(*) from pg_stat_activity where application_name = '%s' "
                        "and state = 'idle in transaction' and backend_xid is not null"
                        % name) == 1:
                return
            time.sleep(0.1)
        self.close()
        raise AssertionError("the holding transaction %s did not start" % name)

    def commit(self):
        """Commits; true when psql then ended cleanly."""
        self.proc.stdin.write("COMMIT;\n")
        self.proc.stdin.close()
        return self.proc.wait(timeout=30) == 0

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def answered_while_held(name, sql, send):
    """The answer of send() (a request) sent while another transaction,
    `sql` held open (HeldTransaction), is being committed: the request
    starts, the holder commits half a second later, and the answer is
    returned (None if it never came)."""
    holder = HeldTransaction(name, sql)
    answers = []
    try:
        sender = threading.Thread(target=lambda: answers.append(send()))
        sender.start()
        time.sleep(0.5)
        if not holder.commit():
            raise AssertionError("the holding transaction %s did not commit" % name)
        sender.join(timeout=30)
    finally:
        holder.close()
    return answers[0] if answers else None


class AppProcess:
    """A perinatal-api process of its own beside the stack's: its own unix
    socket (sock) and log (log_path), the same database, and the settings
    given (PERINATAL_WORKERS="2", ...). Started at once; stop() ends it."""

    def __init__(self, name, **settings):
        folder = tempfile.mkdtemp(prefix="perinatal-%s-" % name)
        self.sock = os.path.join(folder, "api-%s.sock" % name)
        self.log_path = os.path.join(folder, "api-%s.log" % name)
        env = dict(os.environ, PERINATAL_LISTEN=self.sock, PERINATAL_SOCKET_MODE="0600",
                   **settings)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([required_path("PERINATAL_API_BIN")], env=env,
                                     stdout=self._log, stderr=self._log)
        for _ in range(100):
            if os.path.exists(self.sock):
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError("the %s process did not start" % name)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self._log.close()

    def log(self):
        with open(self.log_path) as f:
            return f.read()


STACK_BIN = os.environ.get("PERINATAL_STACK_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "stack")

DEMO_TEAMS = [
    "00000000-0000-4000-8000-0000000000a1",
    "00000000-0000-4000-8000-0000000000a2",
    "00000000-0000-4000-8000-0000000000a3",
    "00000000-0000-4000-8000-0000000000a4",
]
DEMO_TEAM = os.environ.get("PERINATAL_DEMO_TEAM", DEMO_TEAMS[0])
# A second organisation the tests add (tests/e2e only): records of one
# organisation must be invisible to the other.
OTHER_ORG = "00000000-0000-4000-8000-0000000000e2"

# Words that name the machinery; never in an error body (case-sensitive
# where the word is also ordinary English or a legitimate acronym).
FORBIDDEN_IN_ERRORS_NOCASE = ("nginx", "postgres", "libpq", "json-c", "libjwt")
FORBIDDEN_IN_ERRORS_CASE = ("PostgreSQL", "SQL", "jwt", "/work", ".c:")

_rng = random.SystemRandom()


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

def ssl_context(**kw):
    """A verifying client context for the stack's certificate."""
    ctx = ssl.create_default_context(cafile=CA_FILE)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


_CTX = ssl_context()


class Response(tuple):
    """(status, headers, body): headers lower-cased (repeated ones joined
    with ", "); body parsed JSON when the type is JSON, else text. Also
    .raw (bytes), .header_list (every (name, value) as sent)."""

    def __new__(cls, status, headers, body, raw, header_list):
        self = tuple.__new__(cls, (status, headers, body))
        self.raw = raw
        self.header_list = header_list
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def __repr__(self):
        text = self.raw[:600].decode("utf-8", "replace")
        return "<%d %s %s>" % (self.status, self.headers.get("content-type"), text)


_stats = {"requests": 0, "retried_429": 0}


def _report_stats():
    if os.environ.get("PERINATAL_E2E_STATS"):
        sys.stderr.write("e2e: %(requests)d requests, %(retried_429)d retried after 429\n"
                         % _stats)


atexit.register(_report_stats)


def connection(timeout=30, context=None):
    return http.client.HTTPSConnection(HOST, PORT, context=context or _CTX, timeout=timeout)


def _encode(body, headers):
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if "content-type" not in {k.lower() for k in headers}:
        headers["Content-Type"] = "application/json"
    return json.dumps(body).encode("utf-8")


def read_response(resp):
    raw = resp.read()
    header_list = [(k.lower(), v) for k, v in resp.getheaders()]
    headers = {}
    for k, v in header_list:
        headers[k] = v if k not in headers else headers[k] + ", " + v
    ctype = headers.get("content-type", "")
    body = raw.decode("utf-8", "replace")
    if "json" in ctype and raw:
        try:
            body = json.loads(raw)
        except ValueError:
            pass
    return Response(resp.status, headers, body, raw, header_list)


def request(method, path, token=None, body=None, headers=None, retry_429=True, conn=None,
            timeout=30):
    """One request on a fresh connection (or on conn, kept open).

    body: dict/list (sent as JSON with Content-Type application/json unless
    headers name another type), bytes or str (sent as is). A raw-bytes body
    without a Content-Type header gets application/json too; pass
    headers={"Content-Type": ...} to change it, or None to send none.

    A 429 from the rate limiter is retried after a pause (nginx answered it;
    the application never saw the request), unless retry_429 is False.
    """
    headers = dict(headers or {})
    payload = _encode(body, headers)
    if payload is not None and "content-type" not in {k.lower() for k in headers}:
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    # A header given as None is not sent at all (e.g. no Content-Type).
    headers = {k: v for k, v in headers.items() if v is not None}
    for attempt in range(40):
        own = conn is None
        c = conn or connection(timeout=timeout)
        try:
            c.request(method, path, body=payload, headers=headers)
            r = read_response(c.getresponse())
        finally:
            if own:
                c.close()
        _stats["requests"] += 1
        if r.status != 429 or not retry_429:
            return r
        _stats["retried_429"] += 1
        time.sleep(0.25)
    return r


def get(path, token=None, **kw):
    return request("GET", path, token=token, **kw)


def post(path, body, token=None, **kw):
    return request("POST", path, token=token, body=body, **kw)


def patch(path, body, token=None, etag=None, **kw):
    headers = dict(kw.pop("headers", {}) or {})
    if etag is not None:
        headers["If-Match"] = etag
    return request("PATCH", path, token=token, body=body, headers=headers, **kw)


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

def mint(role, org=None, team=None, sub=None, ttl=600, args=()):
    """Runs perinatal-token; team: one id, a list, or None (clinicians get the
    demo team unless team=[]). args: extra switches (--omit, --iss ...)."""
    if org is None:
        org = DEMO_ORG
    if sub is None:
        sub = "e2e-%s-%s" % (role, uuid.uuid4().hex[:8])
    cmd = [TOKEN_BIN, "--role", role, "--org", org, "--sub", sub, "--ttl", str(ttl)]
    if team is None and role == "clinician":
        team = DEMO_TEAM
    if isinstance(team, str):
        team = [team]
    for t in team or ():
        cmd += ["--team", t]
    cmd += list(args)
    env = dict(os.environ)
    env.setdefault("PERINATAL_TOKEN_KID", KID)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        raise RuntimeError("perinatal-token %s failed: %s" % (" ".join(cmd[1:]), out.stderr))
    return out.stdout.strip()


def token(role, org=None, team=None, sub=None):
    """A cached, valid token for the role (the same sub for one test run)."""
    if isinstance(team, list):
        team = tuple(team)
    return _cached_token(role, org, team, sub)


@functools.lru_cache(maxsize=None)
def _cached_token(role, org, team, sub):
    if sub is None:
        sub = "e2e-%s-%d" % (role, os.getpid())
    return mint(role, org=org, team=list(team) if isinstance(team, tuple) else team, sub=sub,
                ttl=3600)


def b64url(data):
    import base64
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    import base64
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def standard_claims(role="admin", org=None, **over):
    now = int(time.time())
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "e2e-forged", "iat": now, "exp": now + 600,
         "jti": str(uuid.uuid4()), "role": role, "org": org or DEMO_ORG}
    if role == "clinician":
        c["team"] = [DEMO_TEAM]
    c.update(over)
    return c


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def nhs_number():
    """A random valid NHS number (modulus 11), unique enough per run."""
    while True:
        digits = [_rng.randrange(10) for _ in range(9)]
        if digits[0] == 0:
            continue
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1))) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        return "".join(map(str, digits)) + str(check)


def invalid_nhs_number():
    """Ten digits whose check digit is wrong."""
    n = nhs_number()
    return n[:9] + str((int(n[9]) + 1) % 10)


def today(offset_days=0):
    """The clinical day (England) plus an offset, YYYY-MM-DD. The app uses
    Europe/London; UTC is within an hour of it, so tests keep a margin of a
    day or more wherever a date's side of "today" matters."""
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=offset_days)).isoformat()


def service_user_body(**over):
    body = {
        "nhs_number": nhs_number(),
        "given_name": "Ada",
        "family_name": "E2E-" + uuid.uuid4().hex[:8],
        "date_of_birth": "1992-03-14",
        "gp_practice_code": "J82001",
        "postcode": "DT1 2JY",
        "perinatal_status": {"stage": "pregnant", "estimated_due_date": today(120)},
    }
    body.update(over)
    return body


def referral_body(team_id=None, **over):
    """A valid referral to team_id (default the demo team) with the woman's
    details inline."""
    body = {
        "team_id": team_id or DEMO_TEAM,
        "source": "gp",
        "channel": "online_form",
        "priority": "routine",
        "criteria": ["smi_pregnant"],
        "reason": "Known bipolar disorder, now 20 weeks pregnant.",
        "referrer": {"name": "Dr A Smith", "organisation": "Dorchester Surgery",
                     "contact": "01305 000000"},
        "service_user": service_user_body(),
    }
    body.update(over)
    return body


def token_role(tok):
    """The role claim of a token (its payload, unverified: the test's own)."""
    return json.loads(b64url_decode(tok.split(".")[1]))["role"]


def refer(tok=None, **over):
    """POSTs a valid referral (a referrer's to /v1/submitted-referrals);
    returns its body (asserted 201)."""
    tok = tok or token("clinician")
    path = "/v1/submitted-referrals" if token_role(tok) == "referrer" else "/v1/referrals"
    r = post(path, referral_body(**over), token=tok)
    assert r.status == 201, r
    return r.body


def lookup(nhs, token=None, **kw):
    """POST /v1/service-users/lookup: find a woman by NHS number (in the body,
    never in a URL)."""
    return post("/v1/service-users/lookup", {"nhs_number": nhs}, token=token, **kw)


def create_service_user(tok=None, **over):
    """POSTs a valid service user; returns the Response (asserted 201)."""
    r = post("/v1/service-users", service_user_body(**over), token=tok or token("clinician"))
    if r.status != 201:
        raise AssertionError("creating a service user: %r" % (r,))
    return r


def ensure_other_org():
    """Adds the second organisation (as the schema owner), once."""
    db_exec("INSERT INTO organisations (id, name) VALUES ('%s', 'E2E other organisation') "
            "ON CONFLICT DO NOTHING" % OTHER_ORG)


# ---------------------------------------------------------------------------
# Database (psql as the schema owner, to prove what was or was not written)
# ---------------------------------------------------------------------------

def psql(sql, url=None):
    url = url or MIGRATE_DATABASE_URL
    if _one_select(sql):
        out = _session_query(url, sql)
        if out is not None:
            return out
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError("psql failed (%s): %s" % (sql, out.stderr.strip()))
    return out.stdout.strip()


# A lone SELECT goes to a psql kept open for the test file (per database
# URL): starting psql costs about 70 ms here, and the attack suite alone
# takes some 600 row-count snapshots. Anything else (writes, several
# statements, settings) runs in a psql of its own, as before, so no session
# state carries over from one call to the next.
_sessions = {}
_markers = iter(range(1, 1 << 62))


def _one_select(sql):
    s = sql.strip().rstrip(";").strip()
    return (s[:6].lower() == "select" and ";" not in s and "\\" not in s
            and "set_config" not in s.lower())


def _session_query(url, sql):
    """The SELECT's output from the kept psql, or None when that psql is
    gone, stopped (a server restart, or the statement failed) or silent for
    35 s: the caller then runs it in a psql of its own, which reports any
    error."""
    s = _sessions.get(url)
    if s is None or s.poll() is not None:
        s = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        _sessions[url] = s
        atexit.register(s.kill)
        s.stdin.write(b"SET statement_timeout = '30s';\n")
    end = ("__e2e_end_%d__\n" % next(_markers)).encode()
    try:
        s.stdin.write((sql.strip().rstrip(";") + ";\n\\echo ").encode() + end)
        s.stdin.flush()
        out, deadline = b"", time.monotonic() + 35
        while not (out == end or out.endswith(b"\n" + end)):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s.stdout], [], [], left)[0]:
                break
            chunk = os.read(s.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
        else:
            return out[:-len(end)].decode().strip()
    except OSError:
        pass
    s.kill()
    s.wait()
    _sessions.pop(url, None)
    return None


def db_exec(sql):
    return psql(sql)


def db_count(sql):
    """db_count("select count(*) from service_users") -> int."""
    return int(psql(sql))


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


def stack(*args, timeout=120):
    """Runs scripts/stack with the given subcommand (pg-restart, status ...)."""
    out = subprocess.run([STACK_BIN] + list(args), capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("scripts/stack %s failed: %s%s" % (" ".join(args), out.stdout,
                                                              out.stderr))
    return out.stdout


# ---------------------------------------------------------------------------
# Assertions
# ---------------------------------------------------------------------------

def assert_no_leak(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    low = text.lower()
    for w in FORBIDDEN_IN_ERRORS_NOCASE:
        assert w not in low, "error body names %r: %s" % (w, text[:500])
    for w in FORBIDDEN_IN_ERRORS_CASE:
        assert w not in text, "error body names %r: %s" % (w, text[:500])


def assert_problem(resp, status, pointer=None):
    """An RFC 9457 problem with the status; pointer: one of errors[].pointer
    must equal it. Returns the parsed body."""
    st, headers, body = resp
    assert st == status, "expected %d, got %r" % (status, resp)
    ctype = headers.get("content-type", "")
    assert ctype.split(";")[0].strip() == "application/problem+json", \
        "content-type %r for %r" % (ctype, resp)
    assert isinstance(body, dict), "problem body is not a JSON object: %r" % (resp,)
    for f in ("type", "title", "status", "instance"):
        assert f in body, "problem lacks %r: %r" % (f, resp)
    assert isinstance(body["type"], str) and body["type"], resp
    assert isinstance(body["title"], str) and body["title"], resp
    assert body["status"] == status, "body status %r != %d" % (body["status"], status)
    assert isinstance(body["instance"], str) and body["instance"], resp
    rid = headers.get("x-request-id")
    assert rid, "no X-Request-Id on %r" % (resp,)
    assert rid in body["instance"], "instance %r does not carry the request id %r" % (
        body["instance"], rid)
    if "errors" in body:
        assert isinstance(body["errors"], list) and body["errors"], resp
        for e in body["errors"]:
            assert isinstance(e, dict) and isinstance(e.get("pointer"), str) \
                and isinstance(e.get("detail"), str), "bad errors[] item %r" % (e,)
    if pointer is not None:
        pointers = [e["pointer"] for e in body.get("errors", [])]
        assert pointer in pointers, "no error at %r in %r" % (pointer, resp)
    assert_no_leak(resp.raw if hasattr(resp, "raw") else json.dumps(body))
    return body


def assert_no_server_version(headers):
    server = headers.get("server", "")
    assert not any(ch.isdigit() for ch in server), "Server header has a version: %r" % server
    assert "x-powered-by" not in headers, headers


def main():
    unittest.main(verbosity=2)


def all_items(path, token, limit=200):
    """Every item of a list, following next_cursor (other test files add to
    the shared demo team's lists, so a first page is not enough)."""
    items, sep = [], "&" if "?" in path else "?"
    url = "%s%slimit=%d" % (path, sep, limit)
    for _ in range(1000):
        r = get(url, token=token)
        assert r.status == 200, r
        items += r.body["items"]
        if not r.body.get("next_cursor"):
            return items
        url = "%s%slimit=%d&cursor=%s" % (path, sep, limit, r.body["next_cursor"])
    raise AssertionError("more than 1000 pages of " + path)


def give_consent(woman_id, scope, tok, on=None):
    """Records her consent (share_with_gp, share_with_health_visiting,
    share_with_maternity, partner_involvement) as given, dated today unless
    `on` says otherwise: consents are dated records since issue 13."""
    r = post("/v1/service-users/%s/consents" % woman_id,
             {"scope": scope, "decision": "given", "on": on or today(0)}, token=tok)
    assert r.status == 201, r
    return r.body
