"""Cross-checks of a parsed programme: unique ids and activity IRIs, references that resolve, block
membership merged from both sides, sessions inside their cohort's dates, a completion rule that can be met.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from lrs.programme.fields import DefinitionError
from lrs.programme.model import Block, Programme, SessionKind


def resolve_programme(programme: Programme, raw_blocks: Sequence[Block]) -> Programme:
    for key, ids in (
        ("organisations", [item.id for item in programme.organisations]),
        ("lists", [item.id for item in programme.lists]),
        ("cohorts", [item.id for item in programme.cohorts]),
        ("modules", [item.id for item in programme.modules]),
        ("sessions", [item.id for item in programme.sessions]),
        ("blocks", [item.id for item in raw_blocks]),
    ):
        _unique(key, ids)
    if not programme.cohorts:
        raise DefinitionError("cohorts", "needs at least one cohort")
    _check_organisations(programme)
    _check_sessions(programme)
    programme = _merge_blocks(programme, raw_blocks)
    _check_activities(programme)
    _check_completion(programme)
    _check_off_the_job(programme)
    return programme


def _unique(key: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            raise DefinitionError(f"{key}[{index}].id", f"{item_id!r} is already used by another entry")
        seen.add(item_id)


def _known(path: str, wanted: Iterable[str], known: Iterable[str], kind: str) -> None:
    known_set = set(known)
    for index, item in enumerate(wanted):
        if item not in known_set:
            raise DefinitionError(f"{path}[{index}]", f"unknown {kind} {item!r}")


def _check_organisations(programme: Programme) -> None:
    organisation_ids = [item.id for item in programme.organisations]
    for index, listed in enumerate(programme.lists):
        _declared(f"lists[{index}].organisations", listed.organisations, organisation_ids)
    for index, cohort in enumerate(programme.cohorts):
        path = f"cohorts[{index}].eligibility"
        _declared(f"{path}.organisations", cohort.eligibility.organisations, organisation_ids)
        _known(f"{path}.lists", cohort.eligibility.lists, [item.id for item in programme.lists], "list")


def _declared(path: str, wanted: Iterable[str], declared: Iterable[str]) -> None:
    missing = sorted(set(wanted) - set(declared))
    if missing:
        message = f"unknown organisation {missing[0]!r}: declare it under [[organisations]]"
        raise DefinitionError(path, message)


def _check_sessions(programme: Programme) -> None:
    for index, session in enumerate(programme.sessions):
        path = f"sessions[{index}]"
        try:
            cohort = programme.cohort(session.cohort)
        except KeyError:
            raise DefinitionError(f"{path}.cohort", f"unknown cohort {session.cohort!r}") from None
        if not cohort.start <= session.start.date() <= cohort.end:
            message = (
                f"{session.start.date()} is outside cohort {cohort.id!r} ({cohort.start} to {cohort.end})"
            )
            raise DefinitionError(f"{path}.start", message)


def _merge_blocks(programme: Programme, raw_blocks: Sequence[Block]) -> Programme:
    """Block members are those the block lists plus the modules/sessions naming the block."""
    block_ids = [block.id for block in raw_blocks]
    for index, module in enumerate(programme.modules):
        _known(f"modules[{index}].blocks", module.blocks, block_ids, "block")
    for index, session in enumerate(programme.sessions):
        _known(f"sessions[{index}].blocks", session.blocks, block_ids, "block")
    blocks = []
    for index, block in enumerate(raw_blocks):
        _known(f"blocks[{index}].modules", block.modules, [m.id for m in programme.modules], "module")
        _known(f"blocks[{index}].sessions", block.sessions, [s.id for s in programme.sessions], "session")
        modules = [m.id for m in programme.modules if m.id in block.modules or block.id in m.blocks]
        sessions = [s.id for s in programme.sessions if s.id in block.sessions or block.id in s.blocks]
        if not modules and not sessions:
            raise DefinitionError(f"blocks[{index}]", f"block {block.id!r} has no modules or sessions")
        blocks.append(replace(block, modules=tuple(modules), sessions=tuple(sessions)))
    return replace(
        programme,
        blocks=tuple(blocks),
        modules=tuple(replace(m, blocks=_member_of(m.id, blocks, "modules")) for m in programme.modules),
        sessions=tuple(replace(s, blocks=_member_of(s.id, blocks, "sessions")) for s in programme.sessions),
    )


def _member_of(item_id: str, blocks: Sequence[Block], attribute: str) -> tuple[str, ...]:
    return tuple(block.id for block in blocks if item_id in getattr(block, attribute))


def _check_activities(programme: Programme) -> None:
    owners: dict[str, str] = {}
    found = [(f"modules[{i}].activity", m.activity_iri) for i, m in enumerate(programme.modules)]
    found += [(f"sessions[{i}].activity", s.activity_iri) for i, s in enumerate(programme.sessions)]
    found += [(f"blocks[{i}].activity", b.activity_iri or "") for i, b in enumerate(programme.blocks)]
    if programme.confidence is not None:
        found.append(("confidence.pre_activity", programme.confidence.pre_activity_iri))
        found.append(("confidence.post_activity", programme.confidence.post_activity_iri))
    for path, iri in found:
        if iri and iri in owners:
            raise DefinitionError(path, f"activity {iri} is already used by {owners[iri]}")
        owners[iri] = path


def _check_completion(programme: Programme) -> None:
    rule = programme.completion
    _known("completion.modules", rule.required_modules, [m.id for m in programme.modules], "module")
    _known("completion.blocks", rule.required_blocks, [b.id for b in programme.blocks], "block")
    _known("completion.sessions", rule.required_sessions, [s.id for s in programme.sessions], "session")
    kinds = {session.kind for session in programme.sessions}
    if rule.review_day_required and SessionKind.REVIEW_DAY not in kinds:
        raise DefinitionError("completion.review_day", "is required but no session has kind review-day")
    for cohort in programme.cohorts:
        sessions = programme.sessions_of(cohort.id)
        if rule.is_default and not (programme.modules or programme.blocks or sessions):
            message = (
                f"is absent (so every item is required) but cohort {cohort.id!r} has no modules or sessions"
            )
            raise DefinitionError("completion", message)
        academy = sum(1 for session in sessions if session.kind is SessionKind.ACADEMY)
        if sessions and academy < rule.min_academy_sessions:
            message = (
                f"is {rule.min_academy_sessions} but cohort {cohort.id!r} has only {academy} academy sessions"
            )
            raise DefinitionError("completion.min_academy_sessions", message)


def _check_off_the_job(programme: Programme) -> None:
    hours = programme.off_the_job
    if hours is None:
        return
    for key, credited, known in (
        ("modules", hours.module_hours, {m.id for m in programme.modules}),
        ("sessions", hours.session_hours, {s.id for s in programme.sessions}),
    ):
        for item_id in credited:
            if item_id not in known:
                raise DefinitionError(f"off_the_job.{key}.{item_id}", f"unknown {key[:-1]} {item_id!r}")
    for cohort in programme.cohorts:
        available = sum(hours.hours_for_module(module.id) for module in programme.modules)
        available += sum(hours.hours_for_session(session) for session in programme.sessions_of(cohort.id))
        if programme.sessions_of(cohort.id) and available < hours.minimum_hours:
            message = f"is {hours.minimum_hours:g} but cohort {cohort.id!r} offers only {available:g} hours"
            raise DefinitionError("off_the_job.minimum_hours", message)
