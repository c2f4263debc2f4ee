"""The engine: one replication of a scenario in SimPy.

model.py builds the run (programmes, population, customers); pathway.py decides each
customer's pathway; programme.py holds a programme and its admission decision, capacity/
its gates (places, quota, money, pool places, reserved places), waiting list and plan;
hazards.py the competing transition hazards; routing.py what follows a programme;
population.py who is there and who arrives; random_streams.py the random numbers;
eventlog.py the spells table, the engine's only output.
"""
