"""Teams meeting attendance: reports and their records (paged) -> AttendanceRecord plain data.

Needs OnlineMeetingArtifact.Read.All (and an application access policy for the organiser).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from connectors.base import AttendanceRecord
from connectors.graph.client import GraphClient


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def attendance_record(meeting_id: str, record: dict[str, Any]) -> AttendanceRecord:
    intervals = record.get("attendanceIntervals") or []
    joins = [t for t in (_parse_time(i.get("joinDateTime")) for i in intervals) if t is not None]
    leaves = [t for t in (_parse_time(i.get("leaveDateTime")) for i in intervals) if t is not None]
    identity = record.get("identity") or {}
    return AttendanceRecord(
        meeting_id=meeting_id,
        email=str(record.get("emailAddress") or ""),
        display_name=str(identity.get("displayName") or ""),
        role=str(record.get("role") or "Attendee"),
        total_seconds=int(record.get("totalAttendanceInSeconds") or 0),
        first_join=min(joins) if joins else None,
        last_leave=max(leaves) if leaves else None,
    )


async def find_online_meeting_id(graph: GraphClient, organizer: str, join_url: str) -> str | None:
    """The online meeting behind a calendar event's onlineMeeting.joinUrl."""
    literal = "'" + join_url.replace("'", "''") + "'"
    page = await graph.get_json(
        f"/users/{quote(organizer, safe='@')}/onlineMeetings", {"$filter": f"JoinWebUrl eq {literal}"}
    )
    hits = page.get("value", [])
    return str(hits[0]["id"]) if hits else None


async def fetch_attendance_records(
    graph: GraphClient, organizer_id: str, meeting_id: str, *, report_id: str | None = None
) -> list[AttendanceRecord]:
    """Every record of one report, or of every report of the meeting (one per session) when none is given."""
    meeting_path = f"/users/{quote(organizer_id, safe='@')}/onlineMeetings/{quote(meeting_id, safe='')}"
    if report_id is None:
        report_ids = [str(r["id"]) async for r in graph.iterate_pages(f"{meeting_path}/attendanceReports")]
    else:
        report_ids = [report_id]
    records: list[AttendanceRecord] = []
    for report in report_ids:
        path = f"{meeting_path}/attendanceReports/{quote(report, safe='')}/attendanceRecords"
        records.extend([attendance_record(meeting_id, item) async for item in graph.iterate_pages(path)])
    return records
