"""jobpath: a discrete-event simulation of customers' pathways through a job centre.

Data flows one way: scenario (scenario/) -> model (model.py, pathway.py, programme.py)
-> event log (eventlog.py) -> indicators (indicators.py) -> results and reports (results.py, cli.py).
"""

__version__ = "0.1.0"
