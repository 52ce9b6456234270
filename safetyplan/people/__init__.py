"""People on caseloads: their identifiers (sealed), the NHS number index, and who may reach them."""
