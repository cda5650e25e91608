"""Journey analytics: one sub-package per insight (funnels, paths, dfg, conformance, retention,
segments, overlay), each split into query model → context with defaults → builder (SQL, never
executes) → runner → rules (validation with stable codes) → format. ``common`` holds what they
share: step specifications, durations, filters compiled to SQL, and the query runner with its
time limit.
"""
