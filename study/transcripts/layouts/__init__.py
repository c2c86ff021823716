"""One module per layout family: each proposes turns for a Document (see ``registry``)."""
