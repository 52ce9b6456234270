"""Accounts: users and their roles, teams, signing in, sessions, passwords and the second factor."""
