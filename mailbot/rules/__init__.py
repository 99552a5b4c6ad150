"""The organisation's rules, one family per module, each rule a tiny named object with a line of
description and a check that only looks (after GNU Mailman's `rules/`):

    classification  rules.toml [[classification]]: type, category, priority (seed 002)
    information     "Pour info", "FYI": archived, not acknowledged (seed 000 level 4)
    urgent          URGENT asks for P2; abuses are demoted (seed 004 point 4)
    vip             a priority floor and a hierarchical notice (seed 003)
    mass            the same failure from several people is one incident
    flood           a cap on the tickets one address can start

`assess` runs the first four in that order and keeps every outcome, hit or miss. Nothing in this
package does I/O or reads the clock.
"""
