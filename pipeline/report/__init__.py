"""The report stage: report.json, the coordinator's raport.xlsx, the status page and feedback copies."""

from pipeline.report.feedback import FeedbackSourceError, build_feedback_workbook
from pipeline.report.model import (
    Report,
    ReportError,
    ReportUnit,
    report_json_bytes,
    validate_report,
)
from pipeline.report.overview import Overview, compute_overview
from pipeline.report.spreadsheet import build_coordinator_workbook
from pipeline.report.status_page import build_status_page

__all__ = [
    "FeedbackSourceError",
    "Overview",
    "Report",
    "ReportError",
    "ReportUnit",
    "build_coordinator_workbook",
    "build_feedback_workbook",
    "build_status_page",
    "compute_overview",
    "report_json_bytes",
    "validate_report",
]
