"""Comparing scenarios with observed figures: targets, replications, paired variant effects."""
