"""Loyalty rewards: a points ledger, earning rules, tiers, a reward catalogue
with safe redemption, and automatic birthday and anniversary care."""
