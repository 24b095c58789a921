"""One source per vocabulary: the database's vocabulary table (our words with
the national codes beside them) is the source; the C validation tables
(`perinatal-api vocabulary`) and the OpenAPI document's enums must say the
same, in the same order, and the national codes the document lists must be
the table's."""
import os
import subprocess
import unittest

import yaml

from e2e import main, psql, required_path

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi",
                    "openapi.yaml")

# Vocabulary domain -> the OpenAPI schema whose enum lists it.
SCHEMAS = {
    "team_type": "TeamType",
    "profession": "Profession",
    "perinatal_stage": "PerinatalStage",
    "referral_source": "ReferralSource",
    "referral_channel": "ReferralChannel",
    "referral_priority": "ReferralPriority",
    "referral_criterion": "ReferralCriterion",
    "referral_status": "ReferralStatus",
    "pathway": "ReferralPathway",
    "risk_level": "RiskLevel",
    "referral_reason": "ReferralReasonCode",
    "camhs_outcome": "CamhsOutcome",
    "co_working_arrangement": "CoWorkingArrangement",
    "identity_resolution": "IdentityResolution",
    "contact_service": "ContactService",
    "contact_mode": "ContactMode",
    "attendance": "Attendance",
    "ethnic_category": "EthnicCategory",
    "seniority": "Seniority",
    "training_qualifies_for": "TrainingQualifiesFor",
    "teaching_audience": "TeachingAudience",
    "bed_type": "BedType",
    "mbu_admitted_with": "MbuAdmittedWith",
    "mbu_admission_status": "MbuAdmissionStatus",
    "jw_period": "JointWorkingPeriod",
    "jw_status": "JointWorkingStatus",
    "jw_need": "JointWorkingNeed",
    "jw_domain": "JointWorkingDomainCode",
    "nice_offer_status": "NiceOfferStatus",
    "jw_share_recipient": "JointWorkingShareRecipient",
    "contact_purpose": "ContactPurpose",
    "instrument": "Instrument",
    "administration": "MeasureAdministration",
    "liaison_contact_type": "LiaisonContactType",
    "liaison_concern": "LiaisonConcern",
    "intervention": "InterventionCode",
    "intervention_kind": "InterventionKind",
    "intervention_status": "InterventionStatus",
    "partner_relationship": "PartnerRelationship",
    "consent_scope": "ConsentScope",
    "consent_decision": "ConsentDecision",
    "partner_support_type": "PartnerSupportType",
    "mh6_item": "Mh6Item",
}

# Vocabulary domain -> where the document lists its national codes.
NATIONAL_CODES = {
    "team_type": ("Team", "national_code"),
    "referral_source": ("Referral", "source_code"),
    "referral_priority": ("Referral", "priority_code"),
    "ethnic_category": ("ServiceUser", "ethnic_category_code"),
    "bed_type": ("MbuAdmission", "bed_type_code"),
}

# National codes a document enum lists that no vocabulary row carries: they
# are decided per record, not by a code. A referral from a mental health team
# is P1 (internal) or I1 (another trust's; I2 after a full care transfer),
# which is why those sources have no national_code in the table.
PER_RECORD_CODES = {
    "referral_source": {"P1", "I1", "I2"},
}


def table():
    """{domain: [(code, national_code), ...]} in position order."""
    rows = psql("select domain, code, coalesce(national_code, '') from vocabulary "
                "order by domain, position")
    out = {}
    for line in rows.splitlines():
        domain, code, national = line.split("|")
        out.setdefault(domain, []).append((code, national))
    return out


def c_tables():
    binary = required_path("PERINATAL_API_BIN")
    out = subprocess.run([binary, "vocabulary"], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    tables = {}
    for line in out.splitlines():
        domain, code = line.split(" ")
        tables.setdefault(domain, []).append(code)
    return tables


class Vocabulary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = table()
        with open(SPEC, encoding="utf-8") as f:
            cls.schemas = yaml.safe_load(f)["components"]["schemas"]

    def test_c_validation_tables_are_the_database_table(self):
        c = c_tables()
        self.assertEqual(sorted(c), sorted(self.db))
        for domain, rows in self.db.items():
            self.assertEqual(c[domain], [code for code, _ in rows], domain)

    def test_openapi_enums_are_the_database_table(self):
        self.assertEqual(sorted(SCHEMAS), sorted(self.db))
        for domain, schema in SCHEMAS.items():
            enum = self.schemas[schema]["enum"]
            self.assertEqual(enum, [code for code, _ in self.db[domain]], domain)

    def test_openapi_national_codes_are_the_database_table(self):
        for domain, (schema, prop) in NATIONAL_CODES.items():
            enum = [c for c in self.schemas[schema]["properties"][prop]["enum"] if c is not None]
            codes = sorted({n for _, n in self.db[domain] if n})
            extra = PER_RECORD_CODES.get(domain, set())
            # The per-record codes are the document's and no row's.
            self.assertLessEqual(extra, set(enum), domain)
            self.assertFalse(extra & set(codes), domain)
            self.assertEqual(sorted(set(enum) - extra), codes, domain)


if __name__ == "__main__":
    main()
