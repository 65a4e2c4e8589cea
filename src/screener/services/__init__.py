"""Use cases. Each opens one short session, does its work in one transaction and returns plain data."""
