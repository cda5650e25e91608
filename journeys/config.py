"""Settings, declared once as (name, default, help); each can be set by environment variable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        """The environment variable that overrides this setting."""
        return "JOURNEYS_" + self.name.upper()

    def value(self) -> str:
        """The value in force: the environment's, else the default."""
        return os.environ.get(self.env, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "./journeys-data", "The workspace folder: journey files and databases."),
    Setting("host", "127.0.0.1", "Address the web app and API listen on."),
    Setting("port", "8000", "Port the web app and API listen on."),
    Setting("max_event_bytes", "32768", "Largest accepted tracking message (Segment: 32 KB)."),
    Setting("max_batch_bytes", "512000", "Largest accepted tracking batch (Segment: 500 KB)."),
    Setting(
        "ingest_rate_per_second",
        "500",
        "Tracking API requests a second allowed per write key (0: no limit); 429 past it.",
    ),
    Setting("ingest_burst", "1000", "Tracking API requests a write key may make at once."),
    Setting(
        "max_request_bytes",
        "1048576",
        "Largest accepted request body on every route but the tracking API (413 past it).",
    ),
    Setting(
        "survey_frame_ancestors",
        "*",
        "Sites that may show the hosted survey form in a frame (a CSP frame-ancestors list).",
    ),
    Setting(
        "identity_traits",
        "email,phone,crm_id",
        "Traits of identify calls that are external ids of a customer (comma-separated).",
    ),
    Setting("query_timeout", "60", "Seconds an analysis may run before it is stopped."),
    Setting(
        "operational_database",
        "",
        "SQLAlchemy URL of the operational store, e.g. postgresql+psycopg://user@host/db "
        "(empty: the workspace's SQLite file journeys.sqlite).",
    ),
    Setting(
        "signing_secret",
        "",
        "Secret that signs survey links (empty: the workspace's own secret.key); give every "
        "server of a deployment the same one, from the environment.",
    ),
    # Sign-in and sessions of the web UI.
    Setting("session_hours", "12", "Hours a web sign-in lasts without activity."),
    Setting("login_max_failures", "5", "Failed sign-ins in a row that lock a user out."),
    Setting("login_lockout_minutes", "15", "Minutes a locked-out user must wait."),
    Setting(
        "secure_cookies",
        "auto",
        "Mark the session cookie Secure: auto (when the request came over https), true, false.",
    ),
    Setting("demo_customers", "20000", "How many synthetic customers `journeys demo` generates."),
    Setting("demo_seed", "42", "Random seed of the demo data generator."),
    # The closed loop: how soon a ticket must be answered per priority, and escalation.
    Setting("sla_high_hours", "4", "Hours to contact the customer of a high-priority ticket."),
    Setting("sla_normal_hours", "24", "Hours to contact the customer of a normal ticket."),
    Setting("sla_low_hours", "72", "Hours to contact the customer of a low-priority ticket."),
    Setting(
        "ticket_escalation_seconds",
        "60",
        "How often the server escalates tickets past their SLA (0: never; the CLI still can).",
    ),
    Setting(
        "ticket_default_team",
        "Customer service",
        "Team of a ticket whose touchpoint names no owner (or that has no touchpoint).",
    ),
    Setting(
        "survey_dispatch_seconds",
        "5",
        "How often the server turns survey trigger events into invitations (0: never).",
    ),
    Setting(
        "loyalty_earn_seconds",
        "5",
        "How often the server turns new events into loyalty points and tier changes (0: never).",
    ),
    Setting(
        "automation_seconds",
        "2",
        "How often the server runs the automation engine and delivers its actions (0: never).",
    ),
    Setting("automation_max_attempts", "8", "Delivery attempts of an action before it is dead."),
    Setting("automation_backoff_seconds", "5", "Pause after a failed delivery, doubled each time."),
    Setting("automation_http_timeout", "10", "Seconds a webhook call or an SMTP session may take."),
    Setting("smtp_host", "127.0.0.1", "The SMTP server automations send e-mail through."),
    Setting("smtp_port", "25", "The SMTP server's port."),
    Setting("smtp_from", "journeys@localhost", "The sender address of automation e-mail."),
    Setting(
        "prediction_refresh_seconds",
        "0",
        "How often the server re-scores customers with every saved model (0: never).",
    ),
    Setting(
        "retention_days",
        "0",
        "Events older than this many days are deleted, daily by the server (0: keep forever).",
    ),
    Setting(
        "parquet_export_dir",
        "",
        "Folder the server exports the event log to as Parquet, by date (relative: inside the "
        "workspace; empty: no export).",
    ),
    Setting("parquet_export_seconds", "60", "How often the server exports new events as Parquet."),
    Setting(
        "sequences_max_events",
        "100000000",
        "Largest event log whose customer sequences the analyses keep in memory (37 bytes an "
        "event); past it, funnels and graphs read DuckDB on every question.",
    ),
    Setting(
        "sequences_refresh_seconds",
        "30",
        "How often the server brings the analyses' customer sequences up to date, so the next "
        "funnel or graph need not (0: only when an analysis asks).",
    ),
    Setting(
        "analytics_engine",
        "duckdb",
        "Engine the analyses run on: duckdb (the workspace's event log) or spark (the Parquet "
        "export, read by Apache Spark).",
    ),
    Setting(
        "spark_master",
        "local[2]",
        "Spark master URL for the spark engine: local[N] in one process, or a cluster's URL.",
    ),
    Setting(
        "spark_conf",
        "",
        "Extra Spark settings for the spark engine: key=value pairs separated by ';' (e.g. "
        "spark.driver.memory=8g).",
    ),
    Setting(
        "spark_events_dir",
        "",
        "Folder (or object-store URL) of the Parquet export Spark reads (empty: "
        "parquet_export_dir).",
    ),
    Setting(
        "consent_purposes",
        "marketing,surveys,personalisation",
        "The purposes a customer grants or refuses consent for (comma-separated).",
    ),
    Setting(
        "consent_opt_in",
        "marketing",
        "Purposes that need an explicit grant; the others are allowed until refused.",
    ),
    Setting(
        "ingest_queue",
        "",
        "SQLAlchemy URL of a PostgreSQL database that queues tracking calls, e.g. "
        "postgresql+psycopg://user@host/db (empty: no queue; the server stores calls itself).",
    ),
    Setting(
        "ingest_queue_seconds",
        "0.5",
        "How often the server moves queued tracking calls into the event log (0: never).",
    ),
    Setting(
        "ingest_queue_batch",
        "200",
        "Queued tracking calls the loader moves into the event log in one transaction.",
    ),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a declared setting."""
    return SETTINGS_BY_NAME[name].value()


def get_int(name: str) -> int:
    """The value of a declared integer setting."""
    return int(get(name))


def default_workspace() -> Path:
    """The workspace folder in force when no --workspace option is given."""
    return Path(get("workspace"))
