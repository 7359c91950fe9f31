"""Printing from the app: preview, print and save as PDF, each asked for and audited.

One dialog serves every printed document (the RMM case summary, the agenda pack and the
quarterly missing profile).  The jobs themselves (titles, audit wording, builders) are
:mod:`cse_desktop.reports.jobs`, shared with the command line; here are ``options`` (each
job's own choices, as widgets), ``dialog`` (the dialog and its preview) and ``paint`` (pages
rendered with pypdfium2 and painted on a printer, in the background for a print).

Nothing is written to disk except the file the user chose (0600), and for a paper copy the
print system's spool file, which the dialog tells the user about.
"""

from cse_desktop.qt.printing.dialog import PrintDialog, close_print_dialog, open_print_dialog
from cse_desktop.qt.printing.options import (
    PrintJob,
    PrintOptions,
    QuarterOptions,
    SummaryOptions,
    agenda_job,
    profile_job,
    summary_job,
)
from cse_desktop.qt.printing.paint import PRINT_DPI, PrintWorker, paint_pdf, print_settings
from cse_desktop.reports.jobs import Document
from cse_desktop.reports.output import audit_print

__all__ = ["PRINT_DPI", "Document", "PrintDialog", "PrintJob", "PrintOptions", "PrintWorker",
           "QuarterOptions", "SummaryOptions", "agenda_job", "audit_print",
           "close_print_dialog", "open_print_dialog", "paint_pdf", "print_settings",
           "profile_job", "summary_job"]
