"""Privacy (GDPR): export everything about one customer, erase them from every store, retention.

    export = export_customer(ws, "alice@example.com")     # any of the customer's ids
    receipt = erase_customer(ws, "alice@example.com", reason="request of 2026-03-02")
    apply_retention(ws)                                   # setting retention_days

See docs/privacy.md for what each covers and how erased bytes are really removed.
"""

from journeys.privacy.audit import audit_log
from journeys.privacy.erase import erase_customer
from journeys.privacy.export import export_customer, export_zip
from journeys.privacy.model import (
    AuditRecord,
    CustomerExport,
    CustomerIds,
    ErasureReceipt,
    RetentionReceipt,
)
from journeys.privacy.retention import apply_retention, retention_interval

__all__ = [
    "AuditRecord",
    "CustomerExport",
    "CustomerIds",
    "ErasureReceipt",
    "RetentionReceipt",
    "apply_retention",
    "audit_log",
    "erase_customer",
    "export_customer",
    "export_zip",
    "retention_interval",
]
