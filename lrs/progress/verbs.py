"""Verbs the progress projection reads and writes, and which of them are the learner's own activity.

See docs/events.md for why ABSENT is our own IRI. The attendance sources write ABSENT and the RSVP
verbs (`lrs.attendance.statements`, `lrs.attendance.rsvp`); a test checks the copies here agree.
"""

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
# Answers to a session invitation (Activity Streams accept / reject, and our "tentatively").
RSVP_ACCEPTED = "http://activitystrea.ms/schema/1.0/accept"
RSVP_DECLINED = "http://activitystrea.ms/schema/1.0/reject"
RSVP_TENTATIVE = "https://cohort-lrs.example/xapi/verbs/tentatively-accepted"
RSVP = frozenset({RSVP_ACCEPTED, RSVP_DECLINED, RSVP_TENTATIVE})

# The one list of what is NOT the learner's activity. Every other verb about a programme's activity
# (initialized, progressed, completed, passed, failed, terminated, attended, answered, waived, ...) is
# activity: it starts an item, sets `first_activity_at` / `last_activity_at` and restarts the
# inactivity timer. These do none of that:
# - SATISFIED: issued by the LRS itself from the projection;
# - VOIDED: voiding is bookkeeping (and a voided statement is not read at all);
# - ABSENT: the register saying the learner did not come;
# - the RSVP verbs: answering an invitation is not taking part.
# ABSENT still makes a session `absent`, and the RSVP verbs are kept for reminders; neither is activity.
NOT_ACTIVITY = frozenset({SATISFIED, VOIDED, ABSENT, *RSVP})
# Verbs the projection never reads at all (our own output and voiding itself).
NOT_READ = frozenset({SATISFIED, VOIDED})


def is_activity(verb: str) -> bool:
    """Whether a statement with this verb is the learner doing something (see NOT_ACTIVITY)."""
    return verb not in NOT_ACTIVITY
