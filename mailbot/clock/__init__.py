"""Time, pure: the business calendar, SLA clocks, the escalation ladder, quiet hours, the digest.

Nothing in this package reads the clock, the store or the network: `now` is always passed in.
"""
