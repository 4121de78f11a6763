"""Verbs the progress projection reads and writes. See docs/events.md for why ABSENT is our own IRI."""

from __future__ import annotations

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
# No registry verb says "was expected at an event and did not come" (cmi5 "abandoned" is about an
# AU session ending abnormally), so the register's absent mark uses this project verb.
ABSENT = "https://cohort-lrs.example/xapi/verbs/absent"
