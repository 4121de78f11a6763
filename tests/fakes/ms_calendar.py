"""Fake Graph calendar events (transactionId dedupe like Graph), online meetings and attendance reports."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.ms_faults import FakeReply, FakeRequest, bad_request, graph_error
from tests.fakes.ms_graph import Directory

_EXT_FILTER = re.compile(r"ep/id eq '((?:[^']|'')*)' and ep/value eq '((?:[^']|'')*)'")
_JOIN_FILTER = re.compile(r"JoinWebUrl eq '((?:[^']|'')*)'", re.IGNORECASE)
_RESPONSES = {"none", "accepted", "declined", "tentativelyAccepted", "organizer", "notResponded"}


def _time_problem(value: Any, name: str) -> str:
    if not isinstance(value, dict) or not value.get("dateTime") or not value.get("timeZone"):
        return f"{name} needs dateTime and timeZone"
    if re.search(r"(Z|[+-]\d\d:\d\d)$", str(value["dateTime"])):
        return f"{name}.dateTime must be local time without an offset"
    return ""


def event_problem(body: Any, *, partial: bool) -> str:
    if not isinstance(body, dict):
        return "JSON object expected"
    if not partial and not body.get("subject"):
        return "subject is required"
    for name in ("start", "end"):
        if (name in body or not partial) and (problem := _time_problem(body.get(name), name)):
            return problem
    for attendee in body.get("attendees", []):
        if not isinstance(attendee, dict) or "address" not in attendee.get("emailAddress", {}):
            return "attendees[].emailAddress.address is required"
    if body.get("isOnlineMeeting") and body.get("onlineMeetingProvider") not in (None, "teamsForBusiness"):
        return "onlineMeetingProvider must be teamsForBusiness"
    return ""


def _listed(event: dict[str, Any], expand: str) -> dict[str, Any]:
    listed = {k: v for k, v in event.items() if k != "singleValueExtendedProperties"}
    if expand.startswith("singleValueExtendedProperties"):
        wanted = re.search(r"\$filter=id eq '((?:[^']|'')*)'", expand)
        listed["singleValueExtendedProperties"] = [
            p
            for p in event.get("singleValueExtendedProperties", [])
            if wanted is None or p.get("id") == wanted.group(1).replace("''", "'")
        ]
    return listed


@dataclass
class Meeting:
    id: str
    organizer_id: str
    join_url: str
    reports: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # report id -> records


def paged(
    items: Sequence[Any], request: FakeRequest, page_size: int, link: Callable[[int], str]
) -> FakeReply:
    start = int(request.query.get("$skiptoken", "0"))
    body: dict[str, Any] = {"value": list(items[start : start + page_size])}
    if start + page_size < len(items):
        body["@odata.nextLink"] = link(start + page_size)
    return FakeReply(200, body)


class Calendar:
    def __init__(self, directory: Directory, base_url: str) -> None:
        self.directory = directory
        self.base_url = base_url
        self.events: dict[str, dict[str, Any]] = {}
        self.cancelled: dict[str, dict[str, Any]] = {}
        self.transactions: dict[tuple[str, str], str] = {}
        self.meetings: dict[str, Meeting] = {}
        self.page_size = 2
        self.filter_ignored = False  # test hook: list events as a server that dropped the $filter would

    def _organizer(self, request: FakeRequest) -> str | None:
        user = self.directory.find(request.params["user"])
        return user.id if user else None

    def create_event(self, request: FakeRequest) -> FakeReply:
        organizer = self._organizer(request)
        if organizer is None:
            return graph_error(404, "ErrorInvalidUser", "organizer not found")
        if problem := event_problem(request.body, partial=False):
            return bad_request(problem)
        transaction = request.body.get("transactionId")
        if transaction and (organizer, transaction) in self.transactions:
            return FakeReply(201, self.events[self.transactions[(organizer, transaction)]])
        event = self._new_event(organizer, request.body)
        if transaction:
            self.transactions[(organizer, transaction)] = event["id"]
        return FakeReply(201, event)

    def _new_event(self, organizer: str, body: dict[str, Any]) -> dict[str, Any]:
        event = dict(body, id=f"AAMk{uuid.uuid4().hex}", organizerId=organizer, isCancelled=False)
        event["attendees"] = [
            dict(a, status={"response": "none", "time": "0001-01-01T00:00:00Z"})
            for a in body.get("attendees", [])
        ]
        if body.get("isOnlineMeeting"):
            meeting = Meeting(
                f"MSo{uuid.uuid4().hex}", organizer, f"https://teams.example/l/meetup-join/{uuid.uuid4().hex}"
            )
            self.meetings[meeting.id] = meeting
            event["onlineMeeting"] = {"joinUrl": meeting.join_url}
        self.events[event["id"]] = event
        return event

    def _event(self, request: FakeRequest) -> dict[str, Any] | None:
        event = self.events.get(request.params["event"])
        return event if event and event["organizerId"] == self._organizer(request) else None

    def get_event(self, request: FakeRequest) -> FakeReply:
        event = self._event(request)
        return FakeReply(200, event) if event else graph_error(404, "ErrorItemNotFound", "event not found")

    def list_events(self, request: FakeRequest) -> FakeReply:
        """Like Graph: extended properties are only returned when `$expand`ed."""
        organizer = self._organizer(request)
        wanted = _EXT_FILTER.search(request.query.get("$filter", ""))
        if organizer is None or wanted is None:
            return bad_request("only the singleValueExtendedProperties filter is supported")
        prop_id, value = (group.replace("''", "'") for group in wanted.groups())
        mine = [e for e in self.events.values() if e["organizerId"] == organizer]
        hits = [
            e
            for e in mine
            if self.filter_ignored
            or any(
                p.get("id") == prop_id and p.get("value") == value
                for p in e.get("singleValueExtendedProperties", [])
            )
        ]
        expand = request.query.get("$expand", "")
        return FakeReply(200, {"value": [_listed(e, expand) for e in hits]})

    def update_event(self, request: FakeRequest) -> FakeReply:
        event = self._event(request)
        if event is None:
            return graph_error(404, "ErrorItemNotFound", "event not found")
        if problem := event_problem(request.body, partial=True):
            return bad_request(problem)
        known = {a["emailAddress"]["address"].lower(): a.get("status") for a in event["attendees"]}
        event.update(request.body)
        if "attendees" in request.body:
            none = {"response": "none", "time": "0001-01-01T00:00:00Z"}
            event["attendees"] = [
                dict(a, status=known.get(a["emailAddress"]["address"].lower(), none))
                for a in request.body["attendees"]
            ]
        return FakeReply(200, event)

    def cancel_event(self, request: FakeRequest) -> FakeReply:
        event = self._event(request)
        if event is None:
            return graph_error(404, "ErrorItemNotFound", "event not found")
        if not isinstance(request.body, dict):
            return bad_request("JSON object expected")
        self.cancelled[event["id"]] = dict(self.events.pop(event["id"]), isCancelled=True)
        return FakeReply(202)

    def respond(self, event_id: str, email: str, response: str, when: str = "2025-01-06T09:30:00Z") -> None:
        """Test hook: an attendee answers the invitation."""
        assert response in _RESPONSES
        for attendee in self.events[event_id]["attendees"]:
            if attendee["emailAddress"]["address"].lower() == email.lower():
                attendee["status"] = {"response": response, "time": when}

    def find_meetings(self, request: FakeRequest) -> FakeReply:
        wanted = _JOIN_FILTER.search(request.query.get("$filter", ""))
        if wanted is None:
            return bad_request("a JoinWebUrl filter is required")
        url = wanted.group(1).replace("''", "'")
        hits = [{"id": m.id, "joinWebUrl": m.join_url} for m in self.meetings.values() if m.join_url == url]
        return FakeReply(200, {"value": hits})

    def _meeting(self, request: FakeRequest) -> Meeting | None:
        meeting = self.meetings.get(request.params["meeting"])
        return meeting if meeting and meeting.organizer_id == self._organizer(request) else None

    def list_reports(self, request: FakeRequest) -> FakeReply:
        meeting = self._meeting(request)
        if meeting is None:
            return graph_error(404, "NotFound", "meeting not found")
        return paged(
            meeting.reports,
            request,
            self.page_size,
            lambda n: f"{self.base_url}{request.path}?$skiptoken={n}",
        )

    def list_records(self, request: FakeRequest) -> FakeReply:
        meeting = self._meeting(request)
        if meeting is None or request.params["report"] not in meeting.records:
            return graph_error(404, "NotFound", "report not found")
        records = meeting.records[request.params["report"]]
        return paged(
            records, request, self.page_size, lambda n: f"{self.base_url}{request.path}?$skiptoken={n}"
        )

    def add_report(self, meeting_id: str, records: list[dict[str, Any]]) -> str:
        """Test hook: a finished session with attendance records in Graph's shape."""
        meeting = self.meetings[meeting_id]
        report_id = str(uuid.uuid4())
        meeting.reports.append({"id": report_id, "totalParticipantCount": len(records)})
        meeting.records[report_id] = records
        return report_id
