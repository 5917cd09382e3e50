"""Reporting (layer 7 of 8): cap tables, holders by jurisdiction, distribution reconciliation and the audit trail
from the event index, and the access-control matrix of the contracts."""
