"""The person record: one child's profile, chronology, missing episodes, forms, actions and
people and places of concern (see :class:`~cse_desktop.qt.person.page.PersonPage`)."""

from cse_desktop.qt.person.page import PersonPage

__all__ = ["PersonPage"]
