"""The overview of the calls in view: charts over the store's report aggregates."""
