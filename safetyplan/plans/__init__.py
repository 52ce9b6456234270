"""Safety plans: sections, revisions, drafts, suggestions, reviews, print."""
