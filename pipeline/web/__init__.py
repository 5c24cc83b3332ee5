"""Teczka online: a thin web face over the library (see README "Teczka online")."""
