// A clinical scenario written the way a front-end team would write it: the
// types come from openapi/openapi.yaml (openapi-typescript), the calls go
// through openapi-fetch, and nothing is cast. tests/client/typescript.sh
// generates the types, type-checks this file with `tsc --strict` and runs it
// against the test stack; a change to the API that breaks a client breaks
// that test.
//
// Environment (tests/client/typescript.sh sets it from `scripts/stack env`):
//   PERINATAL_BASE_URL       https://localhost:PORT
//   NODE_EXTRA_CA_CERTS      the stack's self-signed certificate
//   PERINATAL_TEAM_ID        the clinician's team (a perinatal team)
//   PERINATAL_TOKEN_CLINICIAN, PERINATAL_TOKEN_ADMIN, PERINATAL_TOKEN_REFERRER,
//   PERINATAL_TOKEN_OTHER_CLINICIAN (a clinician of another team)

import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./generated/api.js";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];
type Referral = Schemas["Referral"];
type ReferralStatusView = Schemas["ReferralStatusView"];
type ServiceUserCreate = Schemas["ServiceUserCreate"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through tests/client/typescript.sh)`);
  return value;
}

const baseUrl = env("PERINATAL_BASE_URL");

/** One client per signed-in user, as an app holds one per session. */
function clientFor(token: string): Client<paths> {
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}

const clinician = clientFor(env("PERINATAL_TOKEN_CLINICIAN"));
const admin = clientFor(env("PERINATAL_TOKEN_ADMIN"));
const referrer = clientFor(env("PERINATAL_TOKEN_REFERRER"));
const otherTeam = clientFor(env("PERINATAL_TOKEN_OTHER_CLINICIAN"));
const anonymous = createClient<paths>({ baseUrl });
const teamId = env("PERINATAL_TEAM_ID");

let checks = 0;
function check(condition: boolean, what: string): asserts condition {
  checks++;
  if (!condition) throw new Error(`check failed: ${what}`);
}

/** Every error branch is a Problem: the UI shows its detail and pointers. */
function expectProblem(error: Problem | undefined, response: Response, status: number,
  pointer?: string): Problem {
  check(error !== undefined, `a problem for ${response.url} (got ${response.status})`);
  check(response.status === status, `status ${status} for ${response.url}, got ${response.status}: ${JSON.stringify(error)}`);
  check(error.status === status, "the problem's status");
  check(response.headers.get("content-type")?.startsWith("application/problem+json") === true,
    "problem+json");
  check(typeof error.title === "string" && error.title.length > 0, "a title");
  if (pointer !== undefined) {
    const pointers = (error.errors ?? []).map((e) => e.pointer);
    check(pointers.includes(pointer), `an error at ${pointer} in ${JSON.stringify(error.errors)}`);
  }
  return error;
}

/** The app must answer; `data` is then the documented success body. */
function ok<T>(result: { data?: T; error?: Problem; response: Response }, what: string): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

function isoDate(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** A valid NHS number in the 999 test range (mod 11 check digit). */
function nhsNumber(): string {
  for (;;) {
    const digits = [9, 9, 9, ...Array.from({ length: 6 }, () => Math.floor(Math.random() * 10))];
    const sum = digits.reduce((acc, d, i) => acc + d * (10 - i), 0);
    const check = (11 - (sum % 11)) % 11;
    if (check !== 10) return [...digits, check].join("");
  }
}

function woman(): ServiceUserCreate {
  return {
    nhs_number: nhsNumber(),
    given_name: "Ada",
    family_name: `Client-${Math.random().toString(36).slice(2, 10)}`,
    date_of_birth: "1992-03-14",
    gp_practice_code: "J82001",
    postcode: "DT1 2JY",
    perinatal_status: { stage: "pregnant", estimated_due_date: isoDate(120) },
  };
}

async function main(): Promise<void> {
  // Health: no token; /metrics is text, read as text.
  const live = ok(await anonymous.GET("/healthz"), "healthz");
  check(live.status === "ok", "alive");
  const metrics = await anonymous.GET("/metrics", { parseAs: "text" });
  check(metrics.response.status === 200, "metrics from this machine");
  check(typeof metrics.data === "string" && metrics.data.includes("# TYPE"), "Prometheus text");

  // A member of staff to allocate (admins keep the staff list).
  const nurse = ok(await admin.POST("/v1/staff", {
    body: { name: "Nurse Client Test", profession: "nurse", team_id: teamId },
  }), "create staff");
  check(nurse.active, "a new member of staff is active by default");

  // Register a woman.
  const details = woman();
  const created = await clinician.POST("/v1/service-users", { body: details });
  const her = ok(created, "register a woman");
  check(created.response.status === 201, "201");
  check(created.response.headers.get("location")?.endsWith(her.id) === true, "Location");
  check(her.perinatal_status.stage === "pregnant", "her stage");

  // The same NHS number twice: 409, a Problem.
  const again = await clinician.POST("/v1/service-users", { body: { ...details } });
  expectProblem(again.error, again.response, 409);
  // A date of birth before 1900 is a rule (422), not a format error.
  const old = await clinician.POST("/v1/service-users", {
    body: { ...woman(), date_of_birth: "1899-12-31" },
  });
  expectProblem(old.error, old.response, 422, "/date_of_birth");

  // Refer her, with an Idempotency-Key so that a retry is safe.
  const key = `client-${her.id}`;
  const referralBody = {
    service_user_id: her.id,
    team_id: teamId,
    source: "gp" as const,
    channel: "online_form" as const,
    priority: "routine" as const,
    criteria: ["smi_pregnant" as const],
    reason: "Known bipolar disorder, now 20 weeks pregnant.",
    referrer: { name: "Dr A Smith", organisation: "Dorchester Surgery" },
  };
  const referred = await clinician.POST("/v1/referrals", {
    params: { header: { "Idempotency-Key": key } },
    body: referralBody,
  });
  // One representation per operation: a clinician's answer is a Referral.
  const referral: Referral = ok(referred, "refer her");
  check(referral.reason === referralBody.reason, "a clinician sees the whole referral");
  check(referral.status === "received", "received");
  const replay = await clinician.POST("/v1/referrals", {
    params: { header: { "Idempotency-Key": key } },
    body: referralBody,
  });
  check(replay.response.headers.get("idempotent-replayed") === "true", "replayed");
  check(ok(replay, "replay").id === referral.id, "the same referral");

  // Triage, then accept (If-Match is optional on a transition; sent here).
  const path = { referral_id: referral.id };
  const triaged = await clinician.POST("/v1/referrals/{referral_id}/transitions", {
    params: { path, header: { "If-Match": referred.response.headers.get("etag") ?? "" } },
    body: { to: "triaged", duty_clinician_id: nurse.id, notes: "Duty triage: routine." },
  });
  check(ok(triaged, "triage").status === "triaged", "triaged");
  // A step that is not allowed from here is 409, a Problem.
  const discharge = await clinician.POST("/v1/referrals/{referral_id}/transitions", {
    params: { path },
    body: { to: "discharged" },
  });
  expectProblem(discharge.error, discharge.response, 409);
  const accepted = ok(await clinician.POST("/v1/referrals/{referral_id}/transitions", {
    params: { path },
    body: { to: "accepted", pathway: "perinatal", allocated_clinician_id: nurse.id },
  }), "accept");
  check(accepted.status === "accepted", "accepted");
  check(accepted.responded_at === null, "not yet seen");

  // Her first attended contact answers the referral.
  // Just after the receipt (a contact cannot predate it; 5 minutes of clock
  // skew are allowed for one with an outcome).
  const seenAt = new Date(Date.now() + 2_000).toISOString();
  const contact = ok(await clinician.POST("/v1/contacts", {
    body: {
      service_user_id: her.id,
      referral_id: referral.id,
      team_id: teamId,
      staff_id: nurse.id,
      at: seenAt,
      service: "perinatal_team",
      mode: "home_visit",
      present: { woman: true },
      attendance: "attended",
      note: "First assessment at home.",
    },
  }), "record a contact");
  check(contact.present.woman && !contact.present.partner, "who was there");
  const answered = ok(await clinician.GET("/v1/referrals/{referral_id}", { params: { path } }),
    "read the referral");
  check(answered.responded_at !== null, "answered by the contact");

  // Update her record with If-Match; a stale version is 412.
  const read = await clinician.GET("/v1/service-users/{service_user_id}", {
    params: { path: { service_user_id: her.id } },
  });
  const etag = read.response.headers.get("etag");
  check(etag !== null, "an ETag");
  const updated = await clinician.PATCH("/v1/service-users/{service_user_id}", {
    params: { path: { service_user_id: her.id }, header: { "If-Match": etag } },
    body: { postcode: "DT1 1AA" },
  });
  check(ok(updated, "update her").postcode === "DT1 1AA", "patched");
  check(updated.response.headers.get("etag") !== etag, "a new version");
  const stale = await clinician.PATCH("/v1/service-users/{service_user_id}", {
    params: { path: { service_user_id: her.id }, header: { "If-Match": etag } },
    body: { postcode: "DT1 2JY" },
  });
  expectProblem(stale.error, stale.response, 412);

  // Out of scope looks exactly like absent: 404, a Problem.
  const hidden = await otherTeam.GET("/v1/service-users/{service_user_id}", {
    params: { path: { service_user_id: her.id } },
  });
  expectProblem(hidden.error, hidden.response, 404);

  // The overdue list takes a boolean (the query string says overdue=false).
  const notOverdue = ok(await clinician.GET("/v1/referrals", {
    params: { query: { overdue: false, service_user: her.id } },
  }), "list her referrals");
  check(notOverdue.items.some((r) => r.id === referral.id), "her referral listed");

  // History and audit trail, as an admin.
  const history = ok(await admin.GET("/v1/referrals/{referral_id}/transitions", {
    params: { path },
  }), "history");
  const steps = history.items.map((t) => t.to);
  check(JSON.stringify(steps) === JSON.stringify(["received", "triaged", "accepted"]),
    `steps ${JSON.stringify(steps)}`);
  const triage = history.items.find((t) => t.to === "triaged");
  check(triage?.details.duty_clinician_id === nurse.id, "the duty clinician in the details");
  check(history.items.find((t) => t.to === "accepted")?.details.pathway === "perinatal",
    "the pathway in the details");
  const trail = ok(await admin.GET("/v1/audit", {
    params: { query: { service_user: her.id, limit: 200 } },
  }), "audit trail");
  check(trail.items.some((e) => e.action === "create" && e.resource === "service_user"),
    "her registration audited");
  check(trail.items.some((e) => e.outcome === "not_found"), "the other team's refusal audited");
  // A clinician may not read the trail: 403, a Problem.
  const forbidden = await clinician.GET("/v1/audit", {
    params: { query: { service_user: her.id } },
  });
  expectProblem(forbidden.error, forbidden.response, 403);

  // A referrer refers another woman and follows her own referral.
  const own = ok(await referrer.POST("/v1/submitted-referrals", {
    body: {
      service_user: woman(),
      team_id: teamId,
      source: "health_visitor",
      channel: "online_form",
      priority: "routine",
      reason: "Low mood since the birth.",
      referrer: { name: "HV Jones", organisation: "Dorset Health Visiting" },
    },
  }), "a referrer refers");
  const followed = ok(await referrer.GET("/v1/submitted-referrals/{referral_id}", {
    params: { path: { referral_id: own.id } },
  }), "the referrer follows it");
  const view: ReferralStatusView = followed;
  check(view.status === "received" && !("reason" in followed), "the status view only");
  // The whole referral is the team's: 403 for a referrer, a Problem.
  const teams = await referrer.GET("/v1/referrals/{referral_id}", {
    params: { path: { referral_id: own.id } },
  });
  expectProblem(teams.error, teams.response, 403);
  // Without a referrer (and not a self-referral): 422 at /referrer.
  const noReferrer = await referrer.POST("/v1/submitted-referrals", {
    body: {
      service_user: woman(),
      team_id: teamId,
      source: "gp",
      channel: "online_form",
      priority: "routine",
      reason: "No referrer given.",
    },
  });
  expectProblem(noReferrer.error, noReferrer.response, 422, "/referrer");
  // Someone else's referral is not there for her: 404.
  const notHers = await referrer.GET("/v1/submitted-referrals/{referral_id}", {
    params: { path },
  });
  expectProblem(notHers.error, notHers.response, 404);

  // No token: 401, a Problem.
  const unsigned = await anonymous.GET("/v1/teams");
  expectProblem(unsigned.error, unsigned.response, 401);

  console.log(`typescript client scenario: ${checks} checks passed`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
