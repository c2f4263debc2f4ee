"""Decision support: the best mix of places within the budget, with a stated guarantee.

spec.py reads the optimisation spec (what may change, what it may cost, what counts as better);
mix.py turns a mix of places into scenario overrides and prices it (cost of full occupancy per
year, against each budget or a money total); selection.py holds the ranking-and-selection step
(Kim and Nelson's fully sequential procedure) and paired intervals. docs/optimise.md.
"""
