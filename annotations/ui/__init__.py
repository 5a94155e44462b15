"""Page shells rendered by Django templates."""
