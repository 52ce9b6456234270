"""Sharing led by the person: who is involved, what each carer sees, invitations, and who has looked."""
