"""study: code interview transcripts, measure agreement, rebuild findings."""

__version__ = "0.1.0"
