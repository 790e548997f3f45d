"""The sample-week generator behind ``sample_logs/generate.py``."""
