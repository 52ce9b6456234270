"""Plans leaving the app and arriving from elsewhere: FHIR documents (and, to come, PDF, the crisis view for urgent
care, transfers and the person's own copy). It sits above every domain it reads (docs/adr/0012-layers.md)."""
