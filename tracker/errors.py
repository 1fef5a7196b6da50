"""Exceptions raised for bad input. Each message names the problem and what to do about it."""


class TrackerError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(TrackerError):
    """A configuration file is missing, malformed, or has a bad key or value."""


class CheckpointError(TrackerError):
    """A weights file is missing, unreadable, unsafe, or does not match the architecture."""


class ImageError(TrackerError):
    """An image is missing, unreadable, or of a kind that cannot be tracked."""


class RegionError(TrackerError):
    """An initialisation region is malformed or degenerate."""


class DeviceError(TrackerError):
    """The requested compute device does not exist on this machine."""
