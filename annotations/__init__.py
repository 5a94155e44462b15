"""The annotation domain: articles, spans, canonical claims, suggestions, review, agreement, releases."""
