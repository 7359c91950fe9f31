"""Sync with the team's hub (DESIGN.md section 6).

``protocol`` holds the wire models shared by the client and the hub, so the two cannot drift
apart. The client, engine and conflict handling arrive with the sync issue (issue 5).
"""
