"""The admin pages: accounts, teams, and who is on each team's caseload."""
