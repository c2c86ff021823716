"""Browser components of the app (Streamlit glue, JavaScript and CSS); no study rules live here."""
