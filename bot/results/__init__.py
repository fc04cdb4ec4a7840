"""Results: the computed sheet and its guarded publication."""
