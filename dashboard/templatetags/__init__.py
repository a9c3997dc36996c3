"""Template tags of the nurses' pages."""
