"""API plumbing shared by the domain apps' DRF views, below all of them (it imports none): strict
fields (fields), the OpenAPI error shapes (openapi), the JSON parser (parsers), pagination
(pagination) and the throttles (throttling)."""
