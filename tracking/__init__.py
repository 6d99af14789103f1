"""Tracking: Kafka consumers, writes of positions / vessels / sightings to PostGIS, detection rules.

Never renders anything."""
