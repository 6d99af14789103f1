"""Dashboard: the Streamlit app. Pages call ``tracking`` and ``coordination`` query functions."""
