"""Routing: policies, directory, working-day calendar, matching and escalation decisions."""
