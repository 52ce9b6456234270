"""Assurance: showing that no one is stratified as low, medium or high risk.

The detector (``safetyplan.detector``) finds risk-stratification language in free text; ``schema_check`` finds any
column, form field or plan section that could hold a risk level; the report, the quality measures and the audit
trail search are what auditors read. See docs/adr/0007-stratification-detector.md.
"""
