"""Journey automations: files, the engine, the outbox and its delivery, backtests.

files.py     automations/<id>.yaml: load, check (file, line, field), save
model.py     the file's model; rules.py the rules beyond it, with stable codes
machine.py   moving customers through the steps (shared by the engine and backtests)
engine.py    the event-log consumer: events and timers → enrolments and outbox rows
delivery.py  the outbox worker: transports, back-off, dead letters, replay
backtest.py  the same steps over past events, without side effects
views.py     counts per step, the outbox and dead letters for the CLI, API and web
"""
