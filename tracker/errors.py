"""Exceptions raised for bad input. Each message names the problem and what to do about it.

Errors about a bad value (config, image, region) are also ValueErrors, so `except ValueError`
works as Python users expect; every one is a TrackerError.
"""


class TrackerError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(TrackerError, ValueError):
    """A configuration file is missing, malformed, or has a bad key or value."""


class CheckpointError(TrackerError):
    """A weights file is missing, unreadable, unsafe, or does not match the architecture."""


class ImageError(TrackerError, ValueError):
    """An image is missing, unreadable, or of a kind that cannot be tracked."""


class RegionError(TrackerError, ValueError):
    """An initialisation region is malformed or degenerate."""


class DeviceError(TrackerError):
    """The requested compute device does not exist on this machine."""


class BackendError(TrackerError):
    """The requested network backend cannot run here: not installed, or not for this network."""
