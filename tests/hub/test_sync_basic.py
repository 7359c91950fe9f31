"""Two laptops and a hub: records travel both ways, conflicts keep both values."""

from __future__ import annotations

from pathlib import Path

from support.hubserver import HubServer
from support.laptops import enrolled, person, records

from cse_desktop.sync import engine


def test_two_laptops_exchange_records(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person())
    first = engine.sync(a)
    assert first.pushed == 1
    engine.sync(b)
    assert b.people.get(p.id).family_name == "Example"
    assert records(a) == records(b)
