"""Many replications: plans, execution backends (serial, local processes, Dask), storage and statistics."""
