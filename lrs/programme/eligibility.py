"""Who may join a cohort: its allowed organisations, sectors and named lists (any one admits)."""

from __future__ import annotations

from lrs.programme.model import Cohort, Organisation, Programme


def ineligibility_reason(programme: Programme, cohort: Cohort, organisation: Organisation) -> str | None:
    """None when `organisation` may enrol in `cohort`, else a sentence saying why not.

    The rules are alternatives: an organisation named in `organisations`, of a sector in `sectors`, or
    on any of the named `lists` is admitted. A cohort without rules admits everyone.
    """
    rules = cohort.eligibility
    if rules.is_open:
        return None
    if organisation.id in rules.organisations or organisation.sector in rules.sectors:
        return None
    if any(organisation.id in programme.organisation_list(list_id).organisations for list_id in rules.lists):
        return None
    return f"{organisation.name} is not eligible for cohort {cohort.id}: {describe_rules(programme, cohort)}"


def describe_rules(programme: Programme, cohort: Cohort) -> str:
    """The cohort's rules in words, e.g. "open to Local Digital Fund recipients or the police sector"."""
    rules = cohort.eligibility
    if rules.is_open:
        return "open to everyone"
    parts = [programme.organisation_list(list_id).title for list_id in rules.lists]
    if rules.sectors:
        parts.append("the " + ", ".join(sorted(sector.value for sector in rules.sectors)) + " sector(s)")
    if rules.organisations:
        names = {item.id: item.name for item in programme.organisations}
        parts.append(", ".join(sorted(names.get(item, item) for item in rules.organisations)))
    return "open to " + " or ".join(parts)
