"""Ingest: feed readers, NMEA reassembly, decoding with pyais, sighting intake; publishes to Kafka.

Never touches the database."""
