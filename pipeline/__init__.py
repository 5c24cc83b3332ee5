"""Teczka JST: forms, validation and documents for ORE's advisory programme for JST."""

__version__ = "0.2.0"
