"""The operational store's tables as they were when migrations began (the baseline).

Revision ID: 0001
Revises:
Create Date: 2026-12-07 00:49:18.100766
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=120), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_audit_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_audit_at"), ["at"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("teams", sa.Text(), nullable=False),
        sa.Column("pii", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "automation_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("inactivity_checked", sa.DateTime(), nullable=False),
        sa.Column("segments_checked", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "automation_enrolments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("automation_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("wake_at", sa.DateTime(), nullable=True),
        sa.Column("variant", sa.String(length=80), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automation_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_automation_enrolments_customer", ["automation_id", "customer_id"], unique=False
        )
        batch_op.create_index("ix_automation_enrolments_wake", ["status", "wake_at"], unique=False)

    op.create_table(
        "automation_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("automation_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.String(length=32), nullable=False),
        sa.Column("step_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("automation_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_automation_outbox_caps", ["customer_id", "kind", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_automation_outbox_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "automation_score_above",
        sa.Column("watch", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("watch", "customer_id"),
    )
    op.create_table(
        "automation_score_watches",
        sa.Column("watch", sa.String(length=200), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("watch"),
    )
    op.create_table(
        "automation_step_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enrolment_id", sa.String(length=32), nullable=False),
        sa.Column("automation_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automation_step_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_automation_step_log_automation_id"), ["automation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_automation_step_log_enrolment_id"), ["enrolment_id"], unique=False
        )

    op.create_table(
        "automation_versions",
        sa.Column("automation_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("automation_id", "version"),
    )
    op.create_table(
        "consent_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "consent_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=80), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq", "purpose", name="uq_consent_history_seq"),
    )
    with op.batch_alter_table("consent_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_history_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "loyalty_earn_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "loyalty_members",
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("referral_code", sa.String(length=32), nullable=False),
        sa.Column("tier", sa.String(length=80), nullable=True),
        sa.Column("tier_since", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
        sa.UniqueConstraint("referral_code"),
    )
    op.create_table(
        "loyalty_referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("referrer_id", sa.String(length=200), nullable=False),
        sa.Column("visitor_id", sa.String(length=200), nullable=False),
        sa.Column("friend_id", sa.String(length=200), nullable=True),
        sa.Column("claim_seq", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("signed_up_at", sa.DateTime(), nullable=True),
        sa.Column("converted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loyalty_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loyalty_referrals_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_loyalty_referrals_friend_id"), ["friend_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_loyalty_referrals_referrer_id"), ["referrer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_loyalty_referrals_visitor_id"), ["visitor_id"], unique=False
        )

    op.create_table(
        "loyalty_tier_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("from_tier", sa.String(length=80), nullable=True),
        sa.Column("to_tier", sa.String(length=80), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loyalty_tier_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_tier_changes_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "nba_pins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("action_id", sa.String(length=80), nullable=False),
        sa.Column("automation_id", sa.String(length=80), nullable=False),
        sa.Column("automation_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("nba_pins", schema=None) as batch_op:
        batch_op.create_index("ix_nba_pins_customer", ["customer_id", "expires_at"], unique=False)

    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacy_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_audit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_audit_id_hash"), ["id_hash"], unique=False)

    op.create_table(
        "segments",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "sources",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("write_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sources_write_key"), ["write_key"], unique=True)

    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("trigger_seq", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skip_reason", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_id", "trigger_seq"),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invitations_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_invitations_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_invitations_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("invitation_id", sa.String(length=32), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("root_cause", sa.String(length=80), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("sentiment_label", sa.String(length=16), nullable=True),
        sa.Column("comment_kind", sa.String(length=16), nullable=True),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("journey", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=True),
        sa.Column("touchpoint", sa.String(length=80), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("ticket_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("invitation_id"),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_responses_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_responses_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_responses_survey_id"), ["survey_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_responses_touchpoint"), ["touchpoint"], unique=False
        )

    op.create_table(
        "survey_trigger_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "tickets",
        sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("journey", sa.String(length=80), nullable=True),
        sa.Column("stage", sa.String(length=80), nullable=True),
        sa.Column("touchpoint", sa.String(length=80), nullable=True),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("response_id", sa.String(length=120), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("contacted_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("response_id"),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_priority"), ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_sla_due_at"), ["sla_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_team"), ["team"], unique=False)

    op.create_table(
        "users",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("teams", sa.Text(), nullable=False),
        sa.Column("pii", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "automation_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["automation_outbox.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automation_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_automation_attempts_outbox_id"), ["outbox_id"], unique=False
        )

    op.create_table(
        "automation_dead_letters",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("replayed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["automation_outbox.id"],
        ),
        sa.PrimaryKeyConstraint("outbox_id"),
    )
    op.create_table(
        "loyalty_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("reward", sa.String(length=80), nullable=True),
        sa.Column("reverses", sa.Integer(), nullable=True),
        sa.Column("event_seq", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["loyalty_members.customer_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("loyalty_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_ledger_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_loyalty_ledger_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_loyalty_ledger_rule"), ["rule"], unique=False)

    op.create_table(
        "ticket_history",
        sa.Column("ticket_number", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("event", sa.String(length=40), nullable=True),
        sa.Column("event_properties", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_number"],
            ["tickets.number"],
        ),
        sa.PrimaryKeyConstraint("ticket_number", "step"),
    )
    op.create_table(
        "ticket_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_number"],
            ["tickets.number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_notes_ticket_number"), ["ticket_number"], unique=False
        )

    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_username"), ["username"], unique=False)

    op.create_table(
        "loyalty_lot_uses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("debit_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debit_id"],
            ["loyalty_ledger.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["loyalty_ledger.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loyalty_lot_uses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loyalty_lot_uses_debit_id"), ["debit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_loyalty_lot_uses_lot_id"), ["lot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loyalty_lot_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_lot_uses_lot_id"))
        batch_op.drop_index(batch_op.f("ix_loyalty_lot_uses_debit_id"))

    op.drop_table("loyalty_lot_uses")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_username"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("ticket_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_notes_ticket_number"))

    op.drop_table("ticket_notes")
    op.drop_table("ticket_history")
    with op.batch_alter_table("loyalty_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_ledger_rule"))
        batch_op.drop_index(batch_op.f("ix_loyalty_ledger_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_loyalty_ledger_customer_id"))

    op.drop_table("loyalty_ledger")
    op.drop_table("automation_dead_letters")
    with op.batch_alter_table("automation_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automation_attempts_outbox_id"))

    op.drop_table("automation_attempts")
    op.drop_table("users")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_team"))
        batch_op.drop_index(batch_op.f("ix_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_tickets_sla_due_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_priority"))
        batch_op.drop_index(batch_op.f("ix_tickets_customer_id"))

    op.drop_table("tickets")
    op.drop_table("survey_trigger_cursor")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_touchpoint"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_customer_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_invitations_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_invitations_due_at"))
        batch_op.drop_index(batch_op.f("ix_survey_invitations_customer_id"))

    op.drop_table("survey_invitations")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_write_key"))

    op.drop_table("sources")
    op.drop_table("segments")
    with op.batch_alter_table("privacy_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_audit_id_hash"))
        batch_op.drop_index(batch_op.f("ix_privacy_audit_at"))

    op.drop_table("privacy_audit")
    with op.batch_alter_table("nba_pins", schema=None) as batch_op:
        batch_op.drop_index("ix_nba_pins_customer")

    op.drop_table("nba_pins")
    with op.batch_alter_table("loyalty_tier_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_tier_changes_customer_id"))

    op.drop_table("loyalty_tier_changes")
    with op.batch_alter_table("loyalty_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loyalty_referrals_visitor_id"))
        batch_op.drop_index(batch_op.f("ix_loyalty_referrals_referrer_id"))
        batch_op.drop_index(batch_op.f("ix_loyalty_referrals_friend_id"))
        batch_op.drop_index(batch_op.f("ix_loyalty_referrals_code"))

    op.drop_table("loyalty_referrals")
    op.drop_table("loyalty_members")
    op.drop_table("loyalty_earn_cursor")
    with op.batch_alter_table("consent_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_history_customer_id"))

    op.drop_table("consent_history")
    op.drop_table("consent_cursor")
    op.drop_table("automation_versions")
    with op.batch_alter_table("automation_step_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automation_step_log_enrolment_id"))
        batch_op.drop_index(batch_op.f("ix_automation_step_log_automation_id"))

    op.drop_table("automation_step_log")
    op.drop_table("automation_score_watches")
    op.drop_table("automation_score_above")
    with op.batch_alter_table("automation_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_automation_outbox_due")
        batch_op.drop_index("ix_automation_outbox_caps")

    op.drop_table("automation_outbox")
    with op.batch_alter_table("automation_enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_automation_enrolments_wake")
        batch_op.drop_index("ix_automation_enrolments_customer")

    op.drop_table("automation_enrolments")
    op.drop_table("automation_cursor")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_token_hash"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_audit_at"))
        batch_op.drop_index(batch_op.f("ix_admin_audit_actor"))

    op.drop_table("admin_audit")
