"""Redaction profiles: what each audience's copy of a printed document leaves out.

Domain research section 5 (information governance) sets the rules these defaults follow; the
local safeguarding partnership ratifies them:

* share only what is relevant with those who need it, and protect the identity of anyone who
  would be at risk if their details became known to an abuser (DfE *Information sharing
  advice*, 2024, the seven golden rules);
* intelligence about people who pose a risk is criminal offence data (UK GDPR Art 10, DPA 2018
  Sch 1 Part 3): a separate, restricted store, **left out of parent- and child-facing prints**;
* health, sex life and ethnicity are special category data (Art 9): shared for safeguarding,
  but only with those who need them;
* subject access (ICO social work data guidance): professionals are normally named, but
  third-party information, informants' details and what the child asked not to be shared with
  a parent are withheld; the serious-harm test applies.

**Redaction means absence.** A withheld value is never put into the document: not drawn and
covered, not in a hidden layer, not in the PDF's metadata or outline.  The report builders ask
the profile before they read a value into the story (:meth:`RedactionProfile.shows`,
:meth:`RedactionProfile.withholds_field`, :meth:`RedactionProfile.scrub`).

What each class of information means here:

``withheld_sections``
    whole sections of the RMM case summary (ids from ``reports.summary.SECTIONS``).
``withhold_sensitive_fields``
    every answer whose form field is marked ``sensitive: true`` (the child's own words,
    disclosures of harm, people and places of concern, the parent's observation log, who must
    not be told...), and free-text indicator details; a field of an unknown form counts as
    sensitive (fail closed).
``withhold_intelligence``
    intelligence on people, places, vehicles and handles of concern wherever it sits: the
    screening's people and places of concern, the return home interview's locations and people
    the child was with, where the child was found, disruption targets, the parent's log, and
    free-text indicator details (they name people and places).
``withhold_associations``
    the restricted association records (people, places, vehicles, handles of concern),
    including their lines in the chronology.
``withhold_health``
    special-category health detail: the screening's Health indicators (sexual health,
    pregnancy, self-harm, eating disorder, substance misuse...), and health needs recorded at a
    return home interview.
``withhold_third_party``
    other people's information: other children at risk, the other parent or family members
    (and any reason not to share with them), what agencies said in the meeting's discussion,
    the child's trusted adult, and the child's wish that something is not shared with a parent.
``withhold_contact_details``
    professionals' (and anyone's) phone numbers and email addresses: the contact column is
    left out and numbers and addresses are removed from any text printed.
``withhold_address``
    the child's address and postcode (a looked-after child's placement must never reach a
    family member who may pose a risk).

The profiles (:data:`PROFILES`):

``internal`` - Internal RMM copy
    Everything. For the chair and the core members of the Risk Management Meeting.
``police`` - Police copy
    The police lead the disruption of perpetrators and locations, so they receive the people
    and places of concern, intelligence and disruption activity. Withheld: special-category
    health detail (not needed for policing purposes).
``education`` - Education copy (designated safeguarding lead)
    The child, the concerns, the risk level, missing episodes, chronology, voice, actions and
    decisions. Withheld: the people and places of concern and disruption sections, all
    intelligence (including where the child was found), and health detail.
``health`` - Health copy (named or designated professional)
    As education, but with the health detail (health needs it to act on them).
``family`` - Family / subject access copy
    What the family may see of the child's record. Withheld: people and places of concern and
    disruption (intelligence), every sensitive field (the child's own words, disclosures,
    the parent's log), health detail (a young person's confidential health care), third-party
    information, professionals' contact details and the child's address. Professionals stay
    named. Review every family copy before it is released (serious-harm test).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cse_desktop.domain.errors import UsageError

#: answers about the people, places, vehicles and handles of concern (by field id; a field in
#: a repeat group is withheld when its group or itself is listed)
INTELLIGENCE_FIELDS: frozenset[str] = frozenset({
    # exploitation screening: people and places of concern
    "people_of_concern", "poc_name", "poc_contact", "poc_vehicle", "poc_area", "poc_police_ref",
    "places_of_concern", "place_name", "place_type", "place_dates",
    # return home interview: where found, where they went, who with
    "where_found", "found_area", "locations", "loc_place", "loc_town", "people_with", "pw_name",
    "pw_vehicle", "pw_contact",
    # parent session: the parent's observation log
    "observations", "obs_people", "obs_vehicles", "obs_contacts", "obs_locations",
    # risk management meeting: who or what disruption is aimed at
    "dis_target",
})

#: special-category health answers outside the Health indicator group
HEALTH_FIELDS: frozenset[str] = frozenset({"health_needs", "health_action"})
#: the indicator group whose indicators are health detail
HEALTH_INDICATOR_GROUP = "Health"

#: other people's information (see ``withhold_third_party``)
THIRD_PARTY_FIELDS: frozenset[str] = frozenset({
    "discussion_summary", "other_children_at_risk", "other_children_detail",
    "other_parent_risk", "other_parent_risk_detail", "trusted_adult", "not_share_with_parent",
    "not_share_detail", "siblings_impact",
    "harassment_detail", "sharing_named",
})

_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CONTACT_WITHHELD = "[contact details withheld]"


@dataclass(frozen=True)
class RedactionProfile:
    """One audience's rules. See the module docstring for what each switch withholds."""

    name: str
    label: str
    description: str
    withheld_sections: frozenset[str] = field(default_factory=frozenset)
    withhold_sensitive_fields: bool = False
    withhold_intelligence: bool = False
    withhold_associations: bool = False
    withhold_health: bool = False
    withhold_third_party: bool = False
    withhold_contact_details: bool = False
    withhold_address: bool = False

    @property
    def redacts(self) -> bool:
        """Anything at all is withheld from this audience."""
        return bool(self.withheld_sections) or any((
            self.withhold_sensitive_fields, self.withhold_intelligence,
            self.withhold_associations, self.withhold_health, self.withhold_third_party,
            self.withhold_contact_details, self.withhold_address))

    def shows(self, section: str) -> bool:
        return section not in self.withheld_sections

    def withholds_field(self, spec_field: Any | None, field_id: str, *,
                        group: Any | None = None, group_id: str | None = None) -> bool:
        """Whether an answer is withheld.

        ``spec_field`` is the form's field (None if the form or field is unknown: then the
        answer is treated as sensitive); ``group``/``group_id`` its repeat group, if any.
        """
        ids = {field_id} | ({group_id} if group_id else set())
        if self.withhold_sensitive_fields:
            if spec_field is None or getattr(spec_field, "sensitive", False):
                return True
            if group is not None and getattr(group, "sensitive", False):
                return True
        if self.withhold_intelligence and ids & INTELLIGENCE_FIELDS:
            return True
        if self.withhold_health and (ids & HEALTH_FIELDS or _health_indicator(spec_field)):
            return True
        return bool(self.withhold_third_party and ids & THIRD_PARTY_FIELDS)

    @property
    def withholds_indicator_detail(self) -> bool:
        """Free-text detail of an indicator names people and places: intelligence."""
        return self.withhold_sensitive_fields or self.withhold_intelligence

    def scrub(self, text: str) -> str:
        """``text`` with phone numbers and email addresses removed, if this audience does not
        receive contact details; else unchanged."""
        if not self.withhold_contact_details or not text:
            return text
        return _PHONE.sub(CONTACT_WITHHELD, _EMAIL.sub(CONTACT_WITHHELD, text))


def _health_indicator(spec_field: Any | None) -> bool:
    return getattr(spec_field, "type", None) == "indicator" \
        and getattr(spec_field, "group", None) == HEALTH_INDICATOR_GROUP


_INTELLIGENCE_SECTIONS = frozenset({"associations", "disruption"})

PROFILES: dict[str, RedactionProfile] = {p.name: p for p in (
    RedactionProfile(
        name="internal", label="Internal RMM copy",
        description="Everything, for the chair and core members of the Risk Management "
                    "Meeting."),
    RedactionProfile(
        name="police", label="Police copy",
        description="People and places of concern, intelligence and disruption included; "
                    "special-category health detail withheld.",
        withhold_health=True),
    RedactionProfile(
        name="education", label="Education copy",
        description="For the designated safeguarding lead: intelligence (people and places "
                    "of concern, disruption, where found) and health detail withheld.",
        withheld_sections=_INTELLIGENCE_SECTIONS, withhold_intelligence=True,
        withhold_associations=True, withhold_health=True),
    RedactionProfile(
        name="health", label="Health copy",
        description="For the named or designated health professional: intelligence (people "
                    "and places of concern, disruption, where found) withheld.",
        withheld_sections=_INTELLIGENCE_SECTIONS, withhold_intelligence=True,
        withhold_associations=True),
    RedactionProfile(
        name="family", label="Family / subject access copy",
        description="Intelligence, sensitive fields (the child's own words, disclosures, the "
                    "parent's log), health detail, third-party information, contact details "
                    "and the child's address withheld. Review before release.",
        withheld_sections=_INTELLIGENCE_SECTIONS, withhold_sensitive_fields=True,
        withhold_intelligence=True, withhold_associations=True, withhold_health=True,
        withhold_third_party=True, withhold_contact_details=True, withhold_address=True),
)}


def get_profile(name: str | RedactionProfile) -> RedactionProfile:
    """The profile called ``name``; UsageError naming the choices if there is none."""
    if isinstance(name, RedactionProfile):
        return name
    try:
        return PROFILES[name]
    except (KeyError, TypeError):
        raise UsageError(f"There is no audience profile {name!r}. Choose one of: "
                         f"{', '.join(PROFILES)}.") from None


def profile_names() -> Iterable[str]:
    return PROFILES.keys()
