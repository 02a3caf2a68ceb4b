"""Benchmarks at scale: data generator, latency, throughput (`python -m bench`)."""
