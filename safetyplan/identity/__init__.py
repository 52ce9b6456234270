"""Signing in through the identity services the NHS runs: NHS login for people and carers, NHS CIS2 for staff."""
