"""medisup — case management for social supervisors of the medical-insurance fund."""

__version__ = "0.1.0"
