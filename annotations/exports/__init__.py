"""Pure writers of dataset releases, one module per format, from plain records (records.py); no Django."""
