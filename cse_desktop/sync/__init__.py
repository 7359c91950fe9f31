"""Sync with the team's hub (DESIGN.md section 6).

``protocol`` holds the wire models shared by the client and the hub, so the two cannot drift
apart; ``client`` is the laptop's HTTP client, ``engine`` connects, syncs and resolves
conflicts, and ``approvals`` says whether the hub has verified a manager's approval.
"""
