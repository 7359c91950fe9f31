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

What each audience withholds is data: every field of every form version carries its
sensitivity categories (``forms/<form>/v<N>.sensitivity.yaml``, see
:mod:`cse_desktop.forms.sensitivity`), and each profile lists the categories it does not
receive (:data:`WITHHELD_CATEGORIES`). The matrix (W: withheld):

===================  ========  ======  =========  ======  ======
category             internal  police  education  health  family
===================  ========  ======  =========  ======  ======
disclosure                                 W                 W
sexual_health                     W        W                 W
identity                          W        W                 W
own_words                                                    W
third_party                                                  W
location                                   W         W       W
intelligence                               W         W       W
health                            W        W                 W
restricted items                  W        W         W       W
===================  ========  ======  =========  ======  ======

Why: the police investigate and disrupt, so they receive disclosures, where the child goes and
the intelligence, but not sexual health, sexuality or gender identity or other health detail
(special category data they do not need). Education (the designated safeguarding lead) never
receives disclosures, sexual health or identity items, where the child goes or was found, or
intelligence. Health receives the health, sexual health, identity and disclosure detail it acts
on, but not where the child goes or the intelligence. A family copy receives none of them: it
could tell an abuser in the family what the child disclosed, where they go, or out a child.
The screening's outcome sentences that name a withheld indicator print without it.

Other switches:

``withheld_sections``
    whole sections of the RMM case summary (ids from ``reports.summary.SECTIONS``).
``withhold_sensitive_fields``
    (family) every answer whose form field is marked ``sensitive: true`` as well, and any
    field of an unknown form (fail closed).
``withhold_associations``
    the restricted association records (people, places, vehicles, handles of concern),
    including their lines in the chronology.
``withhold_contact_details``
    professionals' (and anyone's) phone numbers and email addresses: the contact column is
    left out and numbers and addresses are removed from any text printed.
``withhold_address``
    the child's address and postcode (a looked-after child's placement must never reach a
    family member who may pose a risk).
``withhold_restricted``
    actions, decisions and notes a worker marked "restricted" (``Action.restricted``,
    ``Submission.restricted_fields``): they stay with the team, so every copy but the internal
    one leaves them out.

A field of a version with no sensitivity file counts as every category (fail closed).

Every copy but the internal one leaves the team (``leaves_team``): saved as a PDF, it is
password-protected unless the user chooses otherwise. The internal copy stays with the
meeting's chair and core members, saved (0600) where the team keeps its RMM papers.

The profiles (:data:`PROFILES`): ``internal`` (Internal RMM copy: everything, for the chair
and the core members of the meeting), ``police``, ``education`` (the designated safeguarding
lead), ``health`` (the named or designated professional) and ``family`` (family / subject
access copy: professionals stay named; review every family copy before it is released, for
the serious-harm test).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cse_desktop.domain.errors import UsageError
from cse_desktop.forms.sensitivity import ALL_CATEGORIES, Category

_PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CONTACT_WITHHELD = "[contact details withheld]"

C = Category


@dataclass(frozen=True)
class RedactionProfile:
    """One audience's rules. See the module docstring for what each switch withholds."""

    name: str
    label: str
    description: str
    withheld_sections: frozenset[str] = field(default_factory=frozenset)
    #: answers of fields in these sensitivity categories are left out
    withheld_categories: frozenset[Category] = field(default_factory=frozenset)
    withhold_sensitive_fields: bool = False
    withhold_associations: bool = False
    withhold_contact_details: bool = False
    withhold_address: bool = False
    #: actions, decisions and notes a worker marked "restricted" are left out
    withhold_restricted: bool = False
    #: the copy leaves the team (another agency, a family): a saved PDF is password-protected
    #: unless the user chooses otherwise (fail safe: every profile but the internal one)
    leaves_team: bool = True

    @property
    def redacts(self) -> bool:
        """Anything at all is withheld from this audience."""
        return bool(self.withheld_sections or self.withheld_categories) or any((
            self.withhold_sensitive_fields, self.withhold_associations,
            self.withhold_contact_details, self.withhold_address, self.withhold_restricted))

    @property
    def withhold_intelligence(self) -> bool:
        return C.INTELLIGENCE in self.withheld_categories

    @property
    def withhold_third_party(self) -> bool:
        return C.THIRD_PARTY in self.withheld_categories

    @property
    def withhold_location(self) -> bool:
        return C.LOCATION in self.withheld_categories

    @property
    def hides_where_found(self) -> bool:
        """Where a child was found is a place (and may name the people they were with)."""
        return self.withhold_location or self.withhold_intelligence \
            or self.withhold_sensitive_fields

    def shows(self, section: str) -> bool:
        return section not in self.withheld_sections

    def withholds_field(self, spec_field: Any | None, field_id: str, *,
                        group: Any | None = None, group_id: str | None = None,
                        categories: Iterable[Category] | None = None,
                        restricted: bool = False) -> bool:
        """Whether an answer is withheld.

        ``spec_field`` is the form's field (None if the form or field is unknown: then the
        answer is treated as sensitive); ``group``/``group_id`` its repeat group, if any;
        ``categories`` the field's sensitivity categories and its group's (None: unknown, so
        every category: fail closed); ``restricted`` whether a worker marked the answer
        restricted.
        """
        if restricted and self.withhold_restricted:
            return True
        chosen = ALL_CATEGORIES if categories is None or spec_field is None \
            else frozenset(categories)
        if chosen & self.withheld_categories:
            return True
        if self.withhold_sensitive_fields:
            if spec_field is None or getattr(spec_field, "sensitive", False):
                return True
            if group is not None and getattr(group, "sensitive", False):
                return True
        return False

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


_INTELLIGENCE_SECTIONS = frozenset({"associations", "disruption"})

#: which sensitivity categories each audience does not receive (the matrix; see the module
#: docstring for why)
WITHHELD_CATEGORIES: dict[str, frozenset[Category]] = {
    "internal": frozenset(),
    "police": frozenset({C.SEXUAL_HEALTH, C.IDENTITY, C.HEALTH}),
    "education": frozenset({C.DISCLOSURE, C.SEXUAL_HEALTH, C.IDENTITY, C.LOCATION,
                            C.INTELLIGENCE, C.HEALTH}),
    "health": frozenset({C.LOCATION, C.INTELLIGENCE}),
    "family": ALL_CATEGORIES,
}

PROFILES: dict[str, RedactionProfile] = {p.name: p for p in (
    RedactionProfile(
        name="internal", label="Internal RMM copy",
        description="Everything, for the chair and core members of the Risk Management "
                    "Meeting.", leaves_team=False),
    RedactionProfile(
        name="police", label="Police copy",
        description="People and places of concern, intelligence, disclosures and disruption "
                    "included; sexual health, sexuality or gender identity, other health "
                    "detail and restricted items withheld.",
        withheld_categories=WITHHELD_CATEGORIES["police"], withhold_restricted=True),
    RedactionProfile(
        name="education", label="Education copy",
        description="For the designated safeguarding lead: disclosures, sexual health, "
                    "sexuality or gender identity, where the young person goes or was found, "
                    "intelligence (people and places of concern, disruption), health detail "
                    "and restricted items withheld.",
        withheld_sections=_INTELLIGENCE_SECTIONS,
        withheld_categories=WITHHELD_CATEGORIES["education"], withhold_associations=True,
        withhold_restricted=True),
    RedactionProfile(
        name="health", label="Health copy",
        description="For the named or designated health professional: where the young "
                    "person goes or was found, intelligence (people and places of concern, "
                    "disruption) and restricted items withheld.",
        withheld_sections=_INTELLIGENCE_SECTIONS,
        withheld_categories=WITHHELD_CATEGORIES["health"], withhold_associations=True,
        withhold_restricted=True),
    RedactionProfile(
        name="family", label="Family / subject access copy",
        description="Disclosures, sexual health, sexuality or gender identity, the young "
                    "person's own words, third-party information, where they go or were "
                    "found, intelligence, health detail, sensitive fields, restricted items, "
                    "contact details and the child's address withheld. Review before release.",
        withheld_sections=_INTELLIGENCE_SECTIONS,
        withheld_categories=WITHHELD_CATEGORIES["family"], withhold_sensitive_fields=True,
        withhold_associations=True, withhold_contact_details=True, withhold_address=True,
        withhold_restricted=True),
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

