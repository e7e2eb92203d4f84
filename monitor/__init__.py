"""monitor: a news-monitoring daemon for CPEC and Chinese security in Pakistan."""

__version__ = "0.1.0"
