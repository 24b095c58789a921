"""Transport: TLS versions, security headers, health endpoints, metrics,
request ids, and the statuses nginx or the dispatcher answer before any
handler runs (404, 405, 411, 413, 415, chunked bodies)."""

import json
import os
import re
import socket
import ssl
import time
import unittest
import uuid
import warnings

import e2e
from e2e import assert_problem, get, request, token

HSTS = "max-age=63072000"


def handshake(ctx):
    """TLS handshake with the stack; returns (version, cipher name)."""
    with socket.create_connection((e2e.HOST, e2e.PORT), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=e2e.HOST) as t:
            return t.version(), t.cipher()[0]


class TLS(unittest.TestCase):
    def old_protocol(self, version):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = e2e.ssl_context()
            # Let this client offer the old protocol at all (OpenSSL 3 refuses
            # to at its default security level), so that a refusal is the
            # server's.
            ctx.set_ciphers("ALL:@SECLEVEL=0")
            try:
                ctx.minimum_version = version
                ctx.maximum_version = version
            except (ValueError, ssl.SSLError) as e:
                self.skipTest("this OpenSSL cannot offer %s: %s" % (version, e))
        with self.assertRaises(ssl.SSLError) as cm:
            handshake(ctx)
        reason = str(cm.exception)
        if "NO_PROTOCOLS_AVAILABLE" in reason or "NO_CIPHERS_AVAILABLE" in reason:
            self.skipTest("this OpenSSL cannot offer %s: %s" % (version, reason))
        self.assertTrue(
            any(w in reason for w in ("PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL",
                                      "WRONG_VERSION_NUMBER")),
            "unexpected handshake failure for %s: %s" % (version, reason))

    def test_tls10_refused(self):
        self.old_protocol(ssl.TLSVersion.TLSv1)

    def test_tls11_refused(self):
        self.old_protocol(ssl.TLSVersion.TLSv1_1)

    def test_tls12_works_with_ecdsa_aead(self):
        ctx = e2e.ssl_context(minimum_version=ssl.TLSVersion.TLSv1_2,
                              maximum_version=ssl.TLSVersion.TLSv1_2)
        version, cipher = handshake(ctx)
        self.assertEqual(version, "TLSv1.2")
        # Intermediate: forward secret AEAD suites; the certificate is ECDSA.
        self.assertTrue(cipher.startswith("ECDHE-ECDSA-"), cipher)
        self.assertTrue("GCM" in cipher or "CHACHA20" in cipher, cipher)
        conn = e2e.connection(context=ctx)
        try:
            r = get("/healthz", conn=conn)
        finally:
            conn.close()
        self.assertEqual(r.status, 200)

    def test_tls12_weak_ciphers_refused(self):
        # No forward secrecy / CBC: not in Mozilla "intermediate".
        ctx = e2e.ssl_context(minimum_version=ssl.TLSVersion.TLSv1_2,
                              maximum_version=ssl.TLSVersion.TLSv1_2)
        ctx.set_ciphers("AES128-SHA:AES256-SHA:AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA")
        with self.assertRaises(ssl.SSLError):
            handshake(ctx)

    def test_tls13_works(self):
        ctx = e2e.ssl_context(minimum_version=ssl.TLSVersion.TLSv1_3)
        version, _ = handshake(ctx)
        self.assertEqual(version, "TLSv1.3")
        conn = e2e.connection(context=ctx)
        try:
            r = get("/healthz", conn=conn)
        finally:
            conn.close()
        self.assertEqual(r.status, 200)

    def test_certificate_verifies_for_localhost(self):
        # The default context verifies the chain and the host name.
        ctx = e2e.ssl_context()
        self.assertEqual(ctx.verify_mode, ssl.CERT_REQUIRED)
        self.assertTrue(ctx.check_hostname)
        handshake(ctx)

    def test_plain_http_on_tls_port_is_a_problem(self):
        with socket.create_connection((e2e.HOST, e2e.PORT), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400"), head[:200])
        self.assertIn(b"application/problem+json", head)
        e2e.assert_no_leak(body)
        self.assertEqual(json.loads(body)["status"], 400)


class Headers(unittest.TestCase):
    def samples(self):
        """An app 200, an app problem and an nginx problem."""
        return {
            "app 200": get("/healthz"),
            "app 404": get("/no/such/path"),
            "app 401": get("/v1/teams"),
            "nginx 413": request("POST", "/v1/teams", token=token("admin"),
                                 body=b"{" + b" " * (70 * 1024) + b"}"),
        }

    def test_hsts_on_every_response(self):
        for name, r in self.samples().items():
            self.assertEqual(r.headers.get("strict-transport-security"), HSTS, name)
            hsts = [v for k, v in r.header_list if k == "strict-transport-security"]
            self.assertEqual(len(hsts), 1, "%s: %r" % (name, hsts))

    def test_no_server_version(self):
        for name, r in self.samples().items():
            e2e.assert_no_server_version(r.headers)
            self.assertNotIn("x-powered-by", r.headers, name)

    def test_no_store_and_nosniff(self):
        for name, r in self.samples().items():
            self.assertEqual(r.headers.get("cache-control"), "no-store", name)
            self.assertEqual(r.headers.get("x-content-type-options"), "nosniff", name)


class Health(unittest.TestCase):
    def test_healthz(self):
        r = get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"].split(";")[0], "application/json")
        self.assertEqual(r.body, {"status": "ok"})

    def test_readyz(self):
        r = get("/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.get("status"), "ok")

    def test_health_needs_no_token_and_ignores_a_bad_one(self):
        self.assertEqual(get("/healthz", token="not-a-token").status, 200)

    def test_metrics_count_the_record_layers_routes(self):
        # The record layer's routes are added at start-up, after the table:
        # each is counted under its own pattern, not as unmatched.
        woman = e2e.create_service_user()
        self.assertEqual(woman.status, 201, woman)
        self.assertEqual(get("/v1/service-users/" + woman.body["id"],
                             token=token("clinician")).status, 200)
        text = get("/metrics").body
        self.assertRegex(text, r'perinatal_requests_total\{method="GET",'
                               r'route="/v1/service-users/\{service_user_id\}",status="2xx"\} [1-9]')
        self.assertRegex(text, r'perinatal_requests_total\{method="POST",'
                               r'route="/v1/service-users",status="2xx"\} [1-9]')

    def test_metrics_prometheus_text(self):
        get("/healthz")
        r = get("/metrics")
        self.assertEqual(r.status, 200, r)
        ctype = r.headers["content-type"]
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        self.assertIn("version=0.0.4", ctype)
        text = r.body
        self.assertTrue(text.endswith("\n"))
        sample = re.compile(
            r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
            r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? '
            r'(-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$')
        typed = {}
        families_seen = []  # the family of each sample, in order
        for line in text.splitlines():
            if not line:
                continue
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ", 3)
                self.assertNotIn(name, typed, "second TYPE line for " + name)
                self.assertIn(kind, ("counter", "gauge", "histogram", "summary", "untyped"))
                typed[name] = kind
                continue
            if line.startswith("#"):
                continue
            m = sample.match(line)
            self.assertIsNotNone(m, "not a Prometheus sample line: %r" % line)
            name = m.group(1)
            family = re.sub(r"_(bucket|sum|count)$", "", name) \
                if re.sub(r"_(bucket|sum|count)$", "", name) in typed else name
            self.assertIn(family, typed, "sample before its TYPE line: %r" % line)
            families_seen.append(family)
        self.assertIn("perinatal_requests_total", families_seen)
        # "All lines for a given metric must be provided as one single group"
        # (Prometheus exposition formats, text format).
        groups = [f for i, f in enumerate(families_seen) if i == 0 or families_seen[i - 1] != f]
        self.assertEqual(len(groups), len(set(groups)),
                         "metric families interleaved: %s" % groups[:12])


class RequestId(unittest.TestCase):
    def test_sane_id_echoed(self):
        for rid in ("e2e-abc.DEF_123", "a" * 64):
            r = get("/healthz", headers={"X-Request-Id": rid})
            self.assertEqual(r.headers.get("x-request-id"), rid)
            r = get("/v1/no-such", headers={"X-Request-Id": rid})
            self.assertEqual(r.headers.get("x-request-id"), rid)
            self.assertEqual(assert_problem(r, 404)["instance"], "urn:perinatal:request:" + rid)

    def test_sane_id_echoed_by_nginx_errors(self):
        rid = "e2e-413-check"
        r = request("POST", "/v1/teams", token=token("admin"), body=b"x" * (70 * 1024),
                    headers={"X-Request-Id": rid})
        assert_problem(r, 413)
        self.assertEqual(r.headers.get("x-request-id"), rid)

    def check_replaced(self, rid):
        for what, r in (
            ("app", get("/healthz", headers={"X-Request-Id": rid.encode("utf-8")})),
            ("nginx", request("POST", "/v1/teams", token=token("admin"),
                              body=b"x" * (70 * 1024),
                              headers={"X-Request-Id": rid.encode("utf-8")})),
        ):
            got = r.headers.get("x-request-id")
            self.assertTrue(got, "%s: no X-Request-Id" % what)
            self.assertNotEqual(got, rid, "%s echoed the insane id %r" % (what, rid[:40]))
            self.assertRegex(got, r"^[A-Za-z0-9._-]{1,64}$", what)
            ids = [v for k, v in r.header_list if k == "x-request-id"]
            self.assertEqual(len(ids), 1, "%s: %r" % (what, ids))

    def test_insane_id_replaced(self):
        for rid in ("x" * 300, "has spaces in it", "semi;colon", "\u00fc"):
            self.check_replaced(rid)

    def test_id_rule_is_the_documented_one_in_nginx_too(self):
        # The contract: the client's id when it is 1 to 64 characters of
        # A-Z a-z 0-9 . _ - , else a new one. The application applies it;
        # nginx's own answers (413, 429, ...) and its access log must agree,
        # or one request is logged under two ids.
        for rid in ("a" * 65, "colon:id"):
            self.check_replaced(rid)

    def test_id_is_in_the_application_log(self):
        log = e2e.required_path("PERINATAL_APP_LOG")
        rid = "e2e-log-" + uuid.uuid4().hex
        r = get("/v1/teams?limit=1", token=token("admin"), headers={"X-Request-Id": rid})
        self.assertEqual(r.headers.get("x-request-id"), rid)
        for _ in range(20):
            with open(log, "rb") as f:
                f.seek(max(0, os.path.getsize(log) - 1024 * 1024))
                if rid.encode() in f.read():
                    return
            time.sleep(0.1)
        self.fail("request id %s not in %s" % (rid, log))

    def test_new_ids_differ(self):
        a = get("/healthz").headers["x-request-id"]
        b = get("/healthz").headers["x-request-id"]
        self.assertNotEqual(a, b)


class Statuses(unittest.TestCase):
    def test_unknown_path_404(self):
        for path in ("/nope", "/v1", "/v1/", "/v1/service-users/a/b/c", "/V1/teams"):
            assert_problem(get(path, token=token("admin")), 404)

    def test_unknown_path_404_without_token(self):
        assert_problem(get("/v1/unknown"), 404)

    def test_405_with_allow(self):
        r = request("DELETE", "/v1/service-users", token=token("admin"))
        assert_problem(r, 405)
        allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
        self.assertEqual(allow, {"GET", "POST"})
        r = request("PUT", "/v1/teams/" + e2e.DEMO_TEAM, token=token("admin"),
                    body={"name": "x", "type": "mbu"})
        assert_problem(r, 405)
        allow = {m.strip() for m in r.headers.get("allow", "").split(",")}
        self.assertEqual(allow, {"GET", "PATCH"})
        r = request("POST", "/healthz", body={})
        assert_problem(r, 405)
        self.assertEqual(r.headers.get("allow"), "GET")

    def test_body_over_64k_413_from_nginx(self):
        before = e2e.db_count("select count(*) from service_users")
        big = e2e.service_user_body(given_name="A" * 100)
        raw = json.dumps(big).encode()
        raw = raw[:-1] + b"," + b" " * (64 * 1024) + b"}"  # valid JSON, > 64 KiB
        r = request("POST", "/v1/service-users", token=token("clinician"), body=raw)
        assert_problem(r, 413)
        self.assertNotIn(b"<html", r.raw.lower())
        self.assertEqual(e2e.db_count("select count(*) from service_users"), before)

    def test_body_just_under_limit_reaches_the_app(self):
        raw = json.dumps(e2e.service_user_body()).encode()
        raw = raw[:-1] + b" " * (64 * 1024 - len(raw) - 1) + b"}"
        self.assertEqual(len(raw), 64 * 1024 - 1)
        r = request("POST", "/v1/service-users", token=token("clinician"), body=raw)
        self.assertEqual(r.status, 201, r)

    def chunked(self, path, payload, tok, method="POST", chunk=700):
        c = e2e.connection()
        try:
            c.putrequest(method, path)
            c.putheader("Authorization", "Bearer " + tok)
            c.putheader("Content-Type", "application/json")
            c.putheader("Transfer-Encoding", "chunked")
            c.endheaders()
            for i in range(0, len(payload), chunk):
                part = payload[i:i + chunk]
                c.send(b"%x\r\n" % len(part) + part + b"\r\n")
            c.send(b"0\r\n\r\n")
            return e2e.read_response(c.getresponse())
        finally:
            c.close()

    def test_chunked_body_is_buffered_and_accepted(self):
        # Documented behaviour: nginx reads a chunked body in full (within
        # 64 KiB) and hands it to the application with its length, so a
        # chunked POST is accepted like any other; 411 is only for a POST
        # that has no body length at all (next test).
        body = e2e.service_user_body()
        r = self.chunked("/v1/service-users", json.dumps(body).encode(), token("clinician"),
                         chunk=50)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["nhs_number"], body["nhs_number"])

    def test_chunked_body_over_64k_413(self):
        before = e2e.db_count("select count(*) from service_users")
        raw = json.dumps(e2e.service_user_body()).encode()
        raw = raw[:-1] + b" " * (66 * 1024) + b"}"
        r = self.chunked("/v1/service-users", raw, token("clinician"), chunk=4096)
        assert_problem(r, 413)
        self.assertEqual(e2e.db_count("select count(*) from service_users"), before)

    def test_post_without_length_411(self):
        c = e2e.connection()
        try:
            c.putrequest("POST", "/v1/service-users")
            c.putheader("Authorization", "Bearer " + token("clinician"))
            c.putheader("Content-Type", "application/json")
            c.endheaders()
            r = e2e.read_response(c.getresponse())
        finally:
            c.close()
        assert_problem(r, 411)

    def test_post_without_length_to_a_route_without_body(self):
        # Nothing to read (curl -X POST sends no length): not 411.
        c = e2e.connection()
        try:
            c.putrequest("POST", "/v1/liaison-updates/00000000-0000-4000-8000-00000000dead"
                         "/acknowledgement")
            c.putheader("Authorization", "Bearer " + e2e.mint("liaison"))
            c.endheaders()
            r = e2e.read_response(c.getresponse())
        finally:
            c.close()
        assert_problem(r, 404)

    def test_unpaged_operations_refuse_limit_and_cursor(self):
        # The instrument table, a record's history and a lookup are not
        # paged: limit and cursor are parameters they do not document.
        ref = e2e.refer()
        for path in ("/v1/instruments?limit=1",
                     "/v1/referrals/%s/transitions?cursor=x" % ref["id"]):
            with self.subTest(path=path):
                assert_problem(get(path, token=token("clinician")), 400)
        r = request("POST", "/v1/service-users/lookup?limit=1", token=token("clinician"),
                    body={"nhs_number": e2e.nhs_number()})
        assert_problem(r, 400, "limit")

    def test_wrong_content_type_415(self):
        before = e2e.db_count("select count(*) from service_users")
        raw = json.dumps(e2e.service_user_body()).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                      "multipart/form-data; boundary=x", None):
            r = request("POST", "/v1/service-users", token=token("clinician"), body=raw,
                        headers={"Content-Type": ctype})
            assert_problem(r, 415)
        self.assertEqual(e2e.db_count("select count(*) from service_users"), before)

    def test_json_with_charset_accepted(self):
        r = request("POST", "/v1/service-users", token=token("clinician"),
                    body=json.dumps(e2e.service_user_body()).encode(),
                    headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 201, r)

    def test_get_with_body_400(self):
        r = request("GET", "/v1/teams", token=token("admin"), body=b"{}")
        assert_problem(r, 400)


if __name__ == "__main__":
    e2e.main()
