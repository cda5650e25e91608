"""Tickets: the closed loop from an unhappy customer to a contact, a resolution and a root cause.

A detractor's survey answer, a negative comment, a rule or an API call opens a ticket for the
team that owns the touchpoint where it went wrong, with a priority and an SLA. Its steps are
written to the event log (docs/feedback/events.md); see docs/feedback/tickets.md.
"""

from journeys.feedback.tickets.model import (
    Change,
    Note,
    NoteIn,
    StatusChange,
    Ticket,
    TicketDetail,
    TicketFilter,
    TicketOpen,
    TicketPage,
    TicketSummary,
)
from journeys.feedback.tickets.report import ClosedLoopReport, closed_loop_report
from journeys.feedback.tickets.service import (
    add_note,
    change_status,
    close_ticket,
    escalate_overdue,
    get_ticket,
    list_tickets,
    open_ticket,
    ticket_detail,
)

__all__ = [
    "Change",
    "ClosedLoopReport",
    "Note",
    "NoteIn",
    "StatusChange",
    "Ticket",
    "TicketDetail",
    "TicketFilter",
    "TicketOpen",
    "TicketPage",
    "TicketSummary",
    "add_note",
    "change_status",
    "close_ticket",
    "closed_loop_report",
    "escalate_overdue",
    "get_ticket",
    "list_tickets",
    "open_ticket",
    "ticket_detail",
]
