"""YouTube Disappeared Video Tracker: the shared package every function and the CLI use."""

__version__ = "0.1.0"
