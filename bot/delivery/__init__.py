"""Outbound messages: sending, planning, broadcasts, audiences, fan-out, followers."""
