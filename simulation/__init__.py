"""jobpath: a discrete-event simulation of customers' pathways through a job centre.

Data flows one way: scenario (scenario/) -> model (engine/: model.py, pathway.py,
programme.py, ...) -> event log (engine/eventlog.py) -> indicators (indicators/) ->
results and reports (results.py, report/, cli.py).
"""

__version__ = "0.1.0"
