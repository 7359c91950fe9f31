"""Printed documents (reportlab): the RMM case summary, the agenda pack and the quarterly
missing-episode profile. The only package that imports reportlab (and pikepdf)."""
